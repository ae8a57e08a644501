package io.sluice.gateway.query;

import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.persistence.journal.EventSerde;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoredRecord;
import io.sluice.protocol.v1.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Reads stored messages of a topic straight from the storage engine: by message id or key (its
 * Index), by store time, and the first offset of a queue stored at or after a time (a binary
 * search over the queue, whose store times do not decrease).
 *
 * <p>Every method does blocking file I/O: call it off the actor dispatchers. Thread-safety: any
 * thread.
 */
public final class StoredMessages {
  /** Index hits from other topics share the key or id: look at this many candidates per result. */
  private static final int CANDIDATES_PER_RESULT = 8;

  private final MessageStore store;
  private final EventSerde serde;

  /** Reads {@code store}, one broker group's store on this node. */
  public StoredMessages(ActorSystem<?> system, MessageStore store) {
    this.store = store;
    this.serde = new EventSerde(Adapter.toClassic(system));
  }

  /** Messages of {@code topic} with id {@code messageId}, newest first (more than one if it was sent again). */
  public List<Message> byMessageId(TopicConfig topic, String messageId, int max) {
    return ofTopic(topic, io(() -> store.lookupByMessageId(messageId, candidates(max))), max);
  }

  /** Messages of {@code topic} carrying key {@code key}, newest first. */
  public List<Message> byKey(TopicConfig topic, String key, int max) {
    return ofTopic(topic, io(() -> store.lookupByKey(key, 0, Long.MAX_VALUE, candidates(max))), max);
  }

  /** Messages of {@code topic} stored in [fromMs, toMs], oldest first, at most {@code max}. */
  public List<Message> byStoreTime(TopicConfig topic, long fromMs, long toMs, int max) {
    List<Message> found = new ArrayList<>();
    for (int q = 0; q < topic.queueCount(); q++) {
      String pid = persistenceId(topic, q);
      long end = store.highestSequenceNr(pid);
      int fromThisQueue = 0;
      for (long seq = firstSequenceAtOrAfter(pid, fromMs); seq <= end && fromThisQueue < max; seq++) {
        Optional<Message> m = messageAt(pid, seq);
        if (m.isEmpty()) {
          continue;
        }
        if (m.get().getStoreTimestampMs() > toMs) {
          break;
        }
        found.add(m.get());
        fromThisQueue++;
      }
    }
    found.sort(Comparator.comparingLong(Message::getStoreTimestampMs)
        .thenComparingInt(Message::getQueueId).thenComparingLong(Message::getOffset));
    return found.size() > max ? List.copyOf(found.subList(0, max)) : found;
  }

  /** The oldest offset queue {@code queueId} still holds (its end offset when it holds none). */
  public long earliestOffset(TopicConfig topic, int queueId) {
    String pid = persistenceId(topic, queueId);
    long lowest = store.lowestSequenceNr(pid);
    return lowest <= 0 ? store.highestSequenceNr(pid) : lowest - 1;
  }

  /** The offset after the newest message of queue {@code queueId}. */
  public long endOffset(TopicConfig topic, int queueId) {
    return store.highestSequenceNr(persistenceId(topic, queueId));
  }

  /** The offset of the first message of queue {@code queueId} stored at or after {@code timeMs}, or its end offset. */
  public long offsetAtTime(TopicConfig topic, int queueId, long timeMs) {
    return firstSequenceAtOrAfter(persistenceId(topic, queueId), timeMs) - 1;
  }

  /** Binary search over the retained sequence numbers; one past the highest when none qualifies. */
  private long firstSequenceAtOrAfter(String pid, long timeMs) {
    long lo = Math.max(1, store.lowestSequenceNr(pid));
    long hi = store.highestSequenceNr(pid) + 1;
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      Optional<Message> m = messageAt(pid, mid);
      if (m.isEmpty() || m.get().getStoreTimestampMs() < timeMs) {
        // a sequence number retention removed counts as older
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private Optional<Message> messageAt(String pid, long seq) {
    List<StoredRecord> records = io(() -> store.readRetained(pid, seq, seq, 1));
    return records.isEmpty() ? Optional.empty() : Optional.of(message(records.get(0)));
  }

  private List<Message> ofTopic(TopicConfig topic, List<StoredRecord> records, int max) {
    String prefix = Queue.persistenceIdOf(topic.queueEntityId(0)).id();
    prefix = prefix.substring(0, prefix.length() - 1); // "queue|<topic>[@incarnation]/" for every queue of the topic
    List<Message> out = new ArrayList<>();
    for (StoredRecord r : records) {
      if (out.size() < max && r.persistenceId().startsWith(prefix)) {
        out.add(message(r));
      }
    }
    return out;
  }

  private Message message(StoredRecord record) {
    return ((Queue.MessageStored) serde.event(record)).message();
  }

  private static String persistenceId(TopicConfig topic, int queueId) {
    return Queue.persistenceIdOf(topic.queueEntityId(queueId)).id();
  }

  private static int candidates(int max) {
    return (int) Math.min(10_000, (long) max * CANDIDATES_PER_RESULT);
  }

  private interface IoCall<T> {
    T run() throws IOException;
  }

  private static <T> T io(IoCall<T> call) {
    try {
      return call.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
