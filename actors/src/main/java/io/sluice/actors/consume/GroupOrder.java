package io.sluice.actors.consume;

import io.sluice.protocol.v1.Message;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Message-group order on one queue of a FIFO topic: at most one message of each message group is
 * outstanding (delivered, or waiting for redelivery) at a time; later messages of that group are
 * held back, in offset order, until it is settled. Messages without a group are not ordered.
 *
 * <p>The caller ({@link GroupQueue}) offers messages in offset order and reports each outstanding
 * message once it is settled (acked, or moved to the dead-letter queue); a settle turns the group's
 * next held message into the outstanding one and makes it available through {@link #pollReleased}.
 *
 * <p>Thread-safety: none; owned by one actor.
 */
final class GroupOrder {
  /** Message group -> offset of its outstanding message. */
  private final Map<String, Long> outstanding = new HashMap<>();
  /** Message group -> its held-back messages, ascending offsets. */
  private final Map<String, ArrayDeque<Message>> held = new HashMap<>();
  /** Next messages of groups whose previous message was settled, in settle order. */
  private final ArrayDeque<Message> released = new ArrayDeque<>();
  private int heldCount;

  /** Whether {@code m} must wait for an earlier message of its group. */
  boolean blocks(Message m) {
    String group = m.getMessageGroup();
    return !group.isEmpty() && outstanding.containsKey(group);
  }

  /**
   * Records that {@code m} is being delivered; call only when {@link #blocks} is false.
   *
   * @throws IllegalStateException if its group already has an outstanding message
   */
  void delivering(Message m) {
    String group = m.getMessageGroup();
    if (group.isEmpty()) {
      return;
    }
    Long previous = outstanding.putIfAbsent(group, m.getOffset());
    if (previous != null && previous != m.getOffset()) {
      throw new IllegalStateException("message group '" + group + "' already has offset " + previous
          + " outstanding; offset " + m.getOffset() + " must wait");
    }
  }

  /** Holds {@code m} back behind its group's outstanding message; call only when {@link #blocks} is true. */
  void hold(Message m) {
    held.computeIfAbsent(m.getMessageGroup(), g -> new ArrayDeque<>()).add(m);
    heldCount++;
  }

  /**
   * The message at {@code offset} of group {@code group} is finished for good: the group's next
   * held message (if any) becomes outstanding and is released. A call for anything but the group's
   * outstanding offset changes nothing.
   */
  void settled(String group, long offset) {
    Long current = outstanding.get(group);
    if (current == null || current != offset) {
      return;
    }
    ArrayDeque<Message> waiting = held.get(group);
    Message next = waiting == null ? null : waiting.poll();
    if (next == null) {
      outstanding.remove(group);
      held.remove(group);
      return;
    }
    heldCount--;
    if (waiting.isEmpty()) {
      held.remove(group);
    }
    outstanding.put(group, next.getOffset());
    released.add(next);
  }

  /** The next released message (already outstanding for its group), or null. */
  Message pollReleased() {
    return released.poll();
  }

  boolean hasReleased() {
    return !released.isEmpty();
  }

  /** Messages held back or released and not yet delivered: they count against the group's read-ahead. */
  int waitingCount() {
    return heldCount + released.size();
  }
}
