package io.sluice.protocol.query;

import java.util.Set;
import org.apache.pekko.NotUsed;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.javadsl.ReadJournal;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A read journal that streams the events of one persistence id that carry one of a set of filter
 * tags, and only the sequence numbers of the others, so that a journal which indexes the filter
 * tag (Sluice's store keeps its hash in the ConsumeQueue) need not read the events filtered out.
 *
 * <p>An event's filter tag is the first of its tags that starts with the journal's filter-tag
 * prefix (Sluice's store: {@code tag:}); an event without one is filtered out. Consecutive events
 * filtered out arrive as one envelope whose event is {@link FilteredOut} and whose sequence number
 * and {@code Offset.sequence} are the last of them (timestamp 0: the events were not read). Events
 * that were deleted or never stored are skipped, as by {@code eventsByPersistenceId}, so a gap in
 * the sequence numbers means the same as there.
 *
 * <p>Defined here rather than in the journal so that the actors can use it without compiling
 * against a journal; they fall back to {@code eventsByPersistenceId} with a journal that does not
 * implement it.
 */
public interface EventsByPersistenceIdAndTagsQuery extends ReadJournal {

  /**
   * Like {@code eventsByPersistenceId}: the matching events from {@code fromSequenceNr} to {@code
   * toSequenceNr}, and new ones as they are written, with the others as {@link FilteredOut}.
   *
   * @param filterTags event tags, each with the journal's filter-tag prefix
   * @throws IllegalArgumentException if a tag lacks the filter-tag prefix
   */
  Source<EventEnvelope, NotUsed> eventsByPersistenceIdAndTags(
      String persistenceId, long fromSequenceNr, long toSequenceNr, Set<String> filterTags);

  /** Like {@link #eventsByPersistenceIdAndTags}, but completes after the events that exist when it starts. */
  Source<EventEnvelope, NotUsed> currentEventsByPersistenceIdAndTags(
      String persistenceId, long fromSequenceNr, long toSequenceNr, Set<String> filterTags);
}
