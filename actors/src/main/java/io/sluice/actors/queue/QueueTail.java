package io.sluice.actors.queue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * What a queue holds past an offset. The sole writer of a queue (a delay timer, a transaction log)
 * reads it to learn which of its appends were stored when it could not confirm them (a crash, a
 * timed-out append), so that it never appends a message twice.
 *
 * @param endOffset the queue's next offset when it was read
 * @param messageIds the ids of the messages from the offset asked for up to {@code endOffset}
 */
public record QueueTail(long endOffset, Set<String> messageIds) {

  /**
   * Reads queue {@code queueEntityId} from {@code fromOffset} to its end. The queue answers the
   * end offset after any earlier {@link Queue.Append} of the same sender (it handles one sender's
   * commands in order), so an append that timed out but was stored is seen here.
   */
  public static CompletionStage<QueueTail> read(ActorSystem<?> system, String readJournalPluginId,
      String queueEntityId, long fromOffset, Duration askTimeout) {
    CurrentEventsByPersistenceIdQuery journal = PersistenceQuery.get(Adapter.toClassic(system))
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournalPluginId);
    return ClusterSharding.get(system).entityRefFor(Queue.ENTITY_KEY, queueEntityId)
        .<Queue.EndOffset>ask(Queue.GetEndOffset::new, askTimeout)
        .thenCompose(end -> LocalEvents
            .current(journal, Queue.persistenceIdOf(queueEntityId).id(), fromOffset + 1, end.offset())
            .map(envelope -> ((Queue.MessageStored) envelope.event()).message().getMessageId())
            .runWith(Sink.seq(), system)
            .thenApply(ids -> new QueueTail(end.offset(), Set.copyOf(ids))));
  }
}
