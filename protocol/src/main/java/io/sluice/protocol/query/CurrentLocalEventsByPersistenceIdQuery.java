package io.sluice.protocol.query;

import org.apache.pekko.NotUsed;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.javadsl.ReadJournal;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A read journal whose queries may hide events not yet replicated (Sluice's store with {@code sync}
 * replication shows only committed events), and that offers the writer of a persistence id every
 * event stored locally, as its own journal replay sees them: read-your-writes for the sole writer,
 * e.g. to learn which of its appends were stored when it could not confirm them.
 *
 * <p>Defined here rather than in the journal so that the actors can use it without compiling
 * against a journal; with a journal that does not implement it, {@code
 * currentEventsByPersistenceId} shows every stored event anyway.
 */
public interface CurrentLocalEventsByPersistenceIdQuery extends ReadJournal {

  /**
   * Like {@code currentEventsByPersistenceId}, but with every event stored locally up to the
   * highest sequence nr when it starts, committed or not.
   */
  Source<EventEnvelope, NotUsed> currentLocalEventsByPersistenceId(
      String persistenceId, long fromSequenceNr, long toSequenceNr);
}
