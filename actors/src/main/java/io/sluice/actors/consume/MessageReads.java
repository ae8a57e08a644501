package io.sluice.actors.consume;

import io.sluice.actors.queue.Queue;
import io.sluice.protocol.v1.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Reads messages of one queue back from the journal by offset, for redelivery and dead-lettering:
 * in-flight deliveries keep only offsets. Consecutive offsets are read as one range, so the many
 * deliveries of a consumer that went away come back in a few reads.
 *
 * <p>Thread-safety: any thread.
 */
final class MessageReads {
  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final String persistenceId;

  MessageReads(ActorSystem<?> system, String readJournalPluginId, String queueEntityId) {
    this.system = system;
    this.journal = PersistenceQuery.get(Adapter.toClassic(system))
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournalPluginId);
    this.persistenceId = Queue.persistenceIdOf(queueEntityId).id();
  }

  /**
   * The messages at {@code offsets} (ascending), in offset order, stopping after the message that
   * reaches {@code maxBytes} of bodies (so at least one); an offset retention removed is missing.
   */
  CompletionStage<List<Message>> read(List<Long> offsets, long maxBytes) {
    long[] bytes = {0};
    return Source.from(runsOf(offsets))
        .flatMapConcat(run -> journal.currentEventsByPersistenceId(persistenceId, run[0] + 1, run[1] + 1))
        .map(envelope -> ((Queue.MessageStored) envelope.event()).message())
        .takeWhile(m -> {
          boolean room = bytes[0] < maxBytes;
          bytes[0] += m.getBody().size();
          return room;
        })
        .runWith(Sink.seq(), system);
  }

  /** Ascending offsets as [first, last] runs of consecutive ones. */
  static List<long[]> runsOf(List<Long> offsets) {
    List<long[]> runs = new ArrayList<>();
    for (long offset : offsets) {
      long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
      if (last != null && last[1] + 1 == offset) {
        last[1] = offset;
      } else {
        runs.add(new long[] {offset, offset});
      }
    }
    return runs;
  }
}
