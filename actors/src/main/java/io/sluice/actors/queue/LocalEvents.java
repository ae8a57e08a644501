package io.sluice.actors.queue;

import io.sluice.protocol.query.CurrentLocalEventsByPersistenceIdQuery;
import org.apache.pekko.NotUsed;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Source;

/**
 * How the sole writer of a queue reads back its own writes. With {@code sync} replication the
 * Sluice read journal's queries show only committed events, but a write that timed out waiting for
 * its commit is stored and may still commit: the writer (the queue rebuilding its dedup window, a
 * delay timer or transaction log checking its appends) must see it, as its own recovery does.
 */
final class LocalEvents {
  private LocalEvents() {}

  /** Every stored event of {@code persistenceId} in [from, to], committed or not, when the journal can tell. */
  static Source<EventEnvelope, NotUsed> current(
      CurrentEventsByPersistenceIdQuery journal, String persistenceId, long from, long to) {
    return journal instanceof CurrentLocalEventsByPersistenceIdQuery local
        ? local.currentLocalEventsByPersistenceId(persistenceId, from, to)
        : journal.currentEventsByPersistenceId(persistenceId, from, to);
  }
}
