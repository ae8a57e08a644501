package io.sluice.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a test's producers and consumers saw, for {@link HistoryChecker}: every send attempt of a
 * unique message id (invoke, then ok with its receipt, fail, or unknown), and every delivery to a
 * consumer group. Thread-safe: producers and consumers record from any thread; events keep the
 * order in which they were recorded.
 */
public final class History {
  /** How a send ended. An invoked send that never completes counts as unknown. */
  public enum Outcome { OK, FAIL, UNKNOWN }

  /**
   * One message sent: its id, topic, message group ("" for none), and, once {@link #ok}, the queue
   * and offset of its receipt. {@code ackOrder} numbers the acknowledged sends in the order their
   * acknowledgements were recorded (-1 until acknowledged).
   */
  public record Send(String id, String topic, String messageGroup, Outcome outcome, int queueId, long offset,
      long ackOrder) {}

  /** One delivery of a message to a consumer group, where it was read from. */
  public record Delivery(String consumerGroup, String id, String topic, String messageGroup, int queueId,
      long offset) {}

  private final Map<String, Send> sends = new LinkedHashMap<>();
  private final List<Delivery> deliveries = new ArrayList<>();
  private long acks;

  /** A send of {@code id} is about to be made (before the call, so a crash mid-call is unknown). */
  public synchronized void invoke(String id, String topic, String messageGroup) {
    if (sends.putIfAbsent(id, new Send(id, topic, messageGroup, Outcome.UNKNOWN, -1, -1, -1)) != null) {
      throw new IllegalArgumentException("message id " + id + " invoked twice: ids must be unique");
    }
  }

  /** The send of {@code id} was acknowledged: stored in {@code queueId} at {@code offset}. */
  public synchronized void ok(String id, int queueId, long offset) {
    Send s = invoked(id);
    sends.put(id, new Send(id, s.topic(), s.messageGroup(), Outcome.OK, queueId, offset, acks++));
  }

  /** The send of {@code id} was refused: the broker said it did not store it. */
  public synchronized void fail(String id) {
    complete(id, Outcome.FAIL);
  }

  /** The send of {@code id} ended without knowing whether it was stored (timeout, broken stream). */
  public synchronized void unknown(String id) {
    complete(id, Outcome.UNKNOWN);
  }

  /** A consumer of {@code consumerGroup} received message {@code id} from {@code queueId} at {@code offset}. */
  public synchronized void delivered(String consumerGroup, String id, String topic, String messageGroup,
      int queueId, long offset) {
    deliveries.add(new Delivery(consumerGroup, id, topic, messageGroup, queueId, offset));
  }

  /** The sends, in the order they were invoked. */
  public synchronized List<Send> sends() {
    return List.copyOf(sends.values());
  }

  /** The deliveries, in the order they were recorded. */
  public synchronized List<Delivery> deliveries() {
    return List.copyOf(deliveries);
  }

  /** How many sends were acknowledged so far. */
  public synchronized long acked() {
    return acks;
  }

  private void complete(String id, Outcome outcome) {
    Send s = invoked(id);
    if (s.outcome() == Outcome.OK) {
      throw new IllegalStateException("message id " + id + " completed after it was acknowledged");
    }
    sends.put(id, new Send(id, s.topic(), s.messageGroup(), outcome, -1, -1, -1));
  }

  private Send invoked(String id) {
    Send s = sends.get(id);
    if (s == null) {
      throw new IllegalArgumentException("message id " + id + " completed but never invoked");
    }
    return s;
  }
}
