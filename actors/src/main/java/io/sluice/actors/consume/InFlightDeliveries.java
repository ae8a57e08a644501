package io.sluice.actors.consume;

import io.sluice.protocol.v1.Message;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The in-flight bookkeeping of one {@link GroupQueue}: deliveries out (invisible until acked,
 * nacked or their invisible time passes), nacked ones waiting for their delay, those due again
 * whose messages are being read back ({@link Redeliveries}), and those past their last attempt
 * until their dead letter is stored. Every entry is an {@link InFlight}: an offset, not a body.
 *
 * <p>The retry rule (RocketMQ 5's): a delivery whose invisible time passes is due again at once as
 * the next attempt (the invisible time was its delay); a nacked one when its nack's delay (or the
 * group's backoff) passes. Either way a failed last attempt is dead-lettered instead.
 *
 * <p>Thread-safety: none; owned by one actor.
 */
final class InFlightDeliveries {
  /** Dead letters read back and being appended at once: each holds its message meanwhile. */
  static final int MAX_DEAD_LETTERS_STORING = 4;

  private final SecureRandom random = new SecureRandom();
  /** Deliveries out, and nacked ones waiting for their delay, by offset. */
  private final Map<Long, InFlight> out = new HashMap<>();
  /** Due again: their messages are read back before a Pull hands them out. */
  final Redeliveries due = new Redeliveries();
  /** Past their last attempt, until their dead letter is durable. */
  private final Map<Long, InFlight> deadLettering = new HashMap<>();
  private final ArrayDeque<InFlight> deadLettersWaiting = new ArrayDeque<>();
  private int deadLettersStoring;

  /** Deliveries out or waiting for a nack's delay: what counts against the group's read-ahead. */
  int outCount() {
    return out.size();
  }

  boolean isOut(long offset) {
    return out.containsKey(offset);
  }

  /** Every delivery not yet settled: out, waiting, due again, or being dead-lettered. */
  int size() {
    return out.size() + due.size() + deadLettering.size();
  }

  /** Hands {@code entry} out as a new delivery of {@code message}, invisible until {@code deadlineMs}. */
  GroupQueue.Delivered deliver(InFlight entry, Message message, long deadlineMs) {
    entry.nonce = newNonce();
    entry.deadlineMs = deadlineMs;
    out.put(entry.offset, entry);
    return new GroupQueue.Delivered(message, entry.nonce, entry.attempt, deadlineMs);
  }

  /** The delivery a receipt names, if the receipt is still current (not expired, not replaced), or null. */
  InFlight current(long offset, long nonce, long now) {
    InFlight entry = out.get(offset);
    if (entry == null || entry.nonce == 0 || entry.nonce != nonce || entry.deadlineMs <= now) {
      return null;
    }
    return entry;
  }

  /** Keeps {@code entry} invisible until {@code deadlineMs} under a new nonce. */
  void renew(InFlight entry, long deadlineMs) {
    entry.nonce = newNonce();
    entry.deadlineMs = deadlineMs;
  }

  /** The message at {@code offset} is settled for good (acked, dead-lettered, settled by an operator). */
  void remove(long offset) {
    out.remove(offset);
  }

  /**
   * {@code entry} was nacked: its receipt stops working now, and it is due again at {@code
   * visibleAtMs} as the next attempt, or dead-lettered if this was its {@code last} attempt.
   */
  void nacked(InFlight entry, boolean last, long visibleAtMs) {
    entry.nonce = 0;
    if (last) {
      out.remove(entry.offset);
      deadLetter(entry);
    } else {
      entry.deadlineMs = visibleAtMs;
    }
  }

  /**
   * Makes due again, as the next attempt, the deliveries whose invisible time passed and the nacked
   * ones whose delay passed; a delivery whose attempt {@code isLast} and whose invisible time passed
   * is dead-lettered instead.
   */
  void expire(long now, IntPredicate isLast) {
    Iterator<InFlight> it = out.values().iterator();
    while (it.hasNext()) {
      InFlight entry = it.next();
      if (entry.deadlineMs > now) {
        continue;
      }
      it.remove();
      boolean expired = entry.nonce != 0;
      entry.nonce = 0;
      if (expired && isLast.test(entry.attempt)) {
        deadLetter(entry);
      } else {
        entry.attempt++;
        due.add(entry);
      }
    }
  }

  private void deadLetter(InFlight entry) {
    deadLettering.put(entry.offset, entry);
    deadLettersWaiting.add(entry);
  }

  /**
   * The dead letters to store now, so that at most {@link #MAX_DEAD_LETTERS_STORING} are stored at
   * once; report each with {@link #deadLetterEnded}.
   */
  List<InFlight> startDeadLetters() {
    List<InFlight> start = new ArrayList<>(0);
    while (deadLettersStoring < MAX_DEAD_LETTERS_STORING && !deadLettersWaiting.isEmpty()) {
      InFlight entry = deadLettersWaiting.poll();
      if (deadLettering.get(entry.offset) == entry) {
        deadLettersStoring++;
        start.add(entry);
      }
    }
    return start;
  }

  /**
   * A dead letter store started by {@link #startDeadLetters} ended. Returns its entry, or null if a
   * position move dropped it meanwhile; a {@code stored} one stops being in flight.
   */
  InFlight deadLetterEnded(long offset, boolean stored) {
    deadLettersStoring--;
    return stored ? deadLettering.remove(offset) : deadLettering.get(offset);
  }

  /** Stores the dead letter of {@code offset} again (its last store failed), if still needed. */
  void retryDeadLetter(long offset) {
    InFlight entry = deadLettering.get(offset);
    if (entry != null) {
      deadLettersWaiting.add(entry);
    }
  }

  /** Forgets every delivery (a position move); stores running end unheeded. */
  void clear() {
    out.clear();
    due.clear();
    deadLettering.clear();
    deadLettersWaiting.clear();
  }

  private long newNonce() {
    return random.nextLong() & Long.MAX_VALUE;
  }
}
