package io.sluice.actors.delay;

import io.sluice.protocol.v1.Message;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The state of one {@link DelayTimer}: messages waiting for their delivery time, ordered by it,
 * the ids already delivered or cancelled, and how far the target queue holds the timer's confirmed
 * deliveries.
 *
 * <p>Mutable on purpose: the timer applies one event per scheduled message, and copying a
 * collection of pending messages per event would cost O(n) each. Only the timer's event handler
 * changes it, on the timer's thread; it is never snapshotted (the timer log is replayed).
 */
public final class DelaySchedule {
  private record Pending(long deliverAtMs, String messageId) {}

  private static final Comparator<Pending> BY_TIME =
      Comparator.comparingLong(Pending::deliverAtMs).thenComparing(Pending::messageId);

  private final TreeSet<Pending> byTime = new TreeSet<>(BY_TIME);
  private final Map<String, Message> pending = new HashMap<>();
  private final Set<String> delivered = new HashSet<>();
  private final Set<String> cancelled = new HashSet<>();
  private long confirmedQueueOffset;

  /** What became of a message id this timer was asked about. */
  public enum Status { PENDING, DELIVERED, CANCELLED, UNKNOWN }

  public Status status(String messageId) {
    if (pending.containsKey(messageId)) {
      return Status.PENDING;
    }
    if (delivered.contains(messageId)) {
      return Status.DELIVERED;
    }
    return cancelled.contains(messageId) ? Status.CANCELLED : Status.UNKNOWN;
  }

  public void schedule(Message message) {
    if (status(message.getMessageId()) == Status.UNKNOWN) {
      pending.put(message.getMessageId(), message);
      byTime.add(new Pending(message.getDeliverAtMs(), message.getMessageId()));
    }
  }

  /** Marks {@code messageIds} delivered; the queue holds every delivery before {@code queueOffset}. */
  public void delivered(List<String> messageIds, long queueOffset) {
    for (String id : messageIds) {
      if (remove(id)) {
        delivered.add(id);
      }
    }
    confirmedQueueOffset = Math.max(confirmedQueueOffset, queueOffset);
  }

  public void cancel(String messageId) {
    if (remove(messageId)) {
      cancelled.add(messageId);
    }
  }

  private boolean remove(String messageId) {
    Message m = pending.remove(messageId);
    if (m == null) {
      return false;
    }
    byTime.remove(new Pending(m.getDeliverAtMs(), messageId));
    return true;
  }

  /**
   * Up to {@code max} pending messages due at {@code nowMs}, earliest first, of at most {@code
   * maxBytes} encoded bytes in all (the first comes whatever its size); they stay pending.
   */
  public List<Message> due(long nowMs, int max, long maxBytes) {
    List<Message> due = new ArrayList<>();
    long bytes = 0;
    for (Pending p : byTime) {
      if (p.deliverAtMs() > nowMs || due.size() == max) {
        break;
      }
      Message m = pending.get(p.messageId());
      bytes += m.getSerializedSize();
      if (!due.isEmpty() && bytes > maxBytes) {
        break;
      }
      due.add(m);
    }
    return due;
  }

  /** Delivery time of the earliest pending message, or {@code Long.MAX_VALUE} if none waits. */
  public long nextDueMs() {
    return byTime.isEmpty() ? Long.MAX_VALUE : byTime.first().deliverAtMs();
  }

  public int pendingCount() {
    return pending.size();
  }

  /** Offset in the target queue after the last delivery the timer knows was stored. */
  public long confirmedQueueOffset() {
    return confirmedQueueOffset;
  }
}
