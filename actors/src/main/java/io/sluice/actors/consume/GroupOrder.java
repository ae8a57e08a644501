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
 * <p>Held messages keep their bodies while those sum to at most {@link #HELD_BYTES}; beyond that
 * only their offsets are kept, and the caller reads such a message back when it is released.
 *
 * <p>Thread-safety: none; owned by one actor.
 */
final class GroupOrder {
  static final long HELD_BYTES = 4L << 20;

  /**
   * A message held back (or released) at {@code offset} of message group {@code group}, with the
   * message itself or (past {@link #HELD_BYTES}) null.
   */
  record Held(long offset, String group, Message message) {}

  /** Message group -> offset of its outstanding message. */
  private final Map<String, Long> outstanding = new HashMap<>();
  /** Message group -> its held-back messages, ascending offsets. */
  private final Map<String, ArrayDeque<Held>> held = new HashMap<>();
  /** Next messages of groups whose previous message was settled, in settle order. */
  private final ArrayDeque<Held> released = new ArrayDeque<>();
  private int heldCount;
  /** Bodies of the held and released messages kept. */
  private long heldBytes;

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
    int size = m.getBody().size();
    boolean keep = heldBytes + size <= HELD_BYTES;
    heldBytes += keep ? size : 0;
    held.computeIfAbsent(m.getMessageGroup(), g -> new ArrayDeque<>())
        .add(new Held(m.getOffset(), m.getMessageGroup(), keep ? m : null));
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
    ArrayDeque<Held> waiting = held.get(group);
    Held next = waiting == null ? null : waiting.poll();
    if (next == null) {
      outstanding.remove(group);
      held.remove(group);
      return;
    }
    heldCount--;
    if (waiting.isEmpty()) {
      held.remove(group);
    }
    outstanding.put(group, next.offset());
    released.add(next);
  }

  /**
   * The next released message (already outstanding for its group), or null; its message is null if
   * it was held by offset only.
   */
  Held pollReleased() {
    Held next = released.poll();
    if (next != null && next.message() != null) {
      heldBytes -= next.message().getBody().size();
    }
    return next;
  }

  /** The next released message without taking it, or null. */
  Held peekReleased() {
    return released.peek();
  }

  boolean hasReleased() {
    return !released.isEmpty();
  }

  /** Messages held back or released and not yet delivered: they count against the group's read-ahead. */
  int waitingCount() {
    return heldCount + released.size();
  }
}
