package io.sluice.persistence.query;

import org.apache.pekko.NotUsed;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.scaladsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.scaladsl.CurrentPersistenceIdsQuery;
import org.apache.pekko.persistence.query.scaladsl.EventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.scaladsl.ReadJournal;
import org.apache.pekko.stream.scaladsl.Source;

/** The Scala API of {@link SluiceReadJournal}, delegating to it. */
public final class ScaladslSluiceReadJournal
    implements ReadJournal,
        EventsByPersistenceIdQuery,
        CurrentEventsByPersistenceIdQuery,
        CurrentPersistenceIdsQuery {
  private final SluiceReadJournal delegate;

  ScaladslSluiceReadJournal(SluiceReadJournal delegate) {
    this.delegate = delegate;
  }

  @Override
  public Source<EventEnvelope, NotUsed> eventsByPersistenceId(String persistenceId, long from, long to) {
    return delegate.eventsByPersistenceId(persistenceId, from, to).asScala();
  }

  @Override
  public Source<EventEnvelope, NotUsed> currentEventsByPersistenceId(String persistenceId, long from, long to) {
    return delegate.currentEventsByPersistenceId(persistenceId, from, to).asScala();
  }

  @Override
  public Source<String, NotUsed> currentPersistenceIds() {
    return delegate.currentPersistenceIds().asScala();
  }
}
