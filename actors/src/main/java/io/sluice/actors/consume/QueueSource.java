package io.sluice.actors.consume;

import io.sluice.actors.queue.Queue;
import io.sluice.protocol.query.EventsByPersistenceIdAndTagsQuery;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.EventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.javadsl.ReadJournal;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The live stream of a queue's messages for one consumer group. Under a tag filter other than
 * {@code *}, and with a read journal that implements {@link EventsByPersistenceIdAndTagsQuery},
 * the journal compares tags (Sluice's store: their hash in the ConsumeQueue) and reads only the
 * matching messages; the others arrive as {@link QueueEntry.FilteredOut} offsets. Otherwise (SQL92
 * filters need the properties; other journals) every message is read.
 */
final class QueueSource {
  private QueueSource() {}

  /**
   * The journal tags a stream for {@code filter} asks for, or null when every message must be
   * read: two filters with equal tags need the same stream.
   */
  static Set<String> journalTagsOf(MessageFilter filter) {
    if (filter instanceof TagFilter tags && !tags.matchesAll()) {
      return tags.tags().stream().map(Queue::filterTagOf).collect(Collectors.toUnmodifiableSet());
    }
    return null;
  }

  /** The entries of queue {@code queueEntityId} from {@code fromOffset} on, live. */
  static Source<QueueEntry, NotUsed> from(
      ActorSystem<?> system, String readJournalPluginId, String queueEntityId, long fromOffset, MessageFilter filter) {
    ReadJournal journal =
        PersistenceQuery.get(Adapter.toClassic(system)).getReadJournalFor(ReadJournal.class, readJournalPluginId);
    String persistenceId = Queue.persistenceIdOf(queueEntityId).id();
    Set<String> tags = journalTagsOf(filter);
    if (tags != null && journal instanceof EventsByPersistenceIdAndTagsQuery byTags) {
      return byTags.eventsByPersistenceIdAndTags(persistenceId, fromOffset + 1, Long.MAX_VALUE, tags)
          .map(QueueSource::entryOf);
    }
    return ((EventsByPersistenceIdQuery) journal)
        .eventsByPersistenceId(persistenceId, fromOffset + 1, Long.MAX_VALUE)
        .map(QueueSource::entryOf);
  }

  /** An offset is its sequence number minus one. */
  private static QueueEntry entryOf(EventEnvelope envelope) {
    if (envelope.event() instanceof io.sluice.protocol.query.FilteredOut skipped) {
      return new QueueEntry.FilteredOut(skipped.fromSequenceNr() - 1, skipped.toSequenceNr() - 1);
    }
    return new QueueEntry.Stored(((Queue.MessageStored) envelope.event()).message());
  }
}
