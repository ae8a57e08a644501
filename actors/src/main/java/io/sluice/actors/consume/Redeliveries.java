package io.sluice.actors.consume;

import io.sluice.protocol.v1.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Deliveries due again whose messages must be read back from the journal, and those read and not
 * yet handed out. One read runs at a time, for at most {@link #READ_ENTRIES} entries and (beyond
 * one message) {@link #READ_BYTES} of bodies, and only while less than that is read and waiting:
 * redeliveries cost bounded memory however many fall due at once, and nothing is read for a first
 * delivery.
 *
 * <p>Thread-safety: none; owned by one {@link GroupQueue}.
 */
final class Redeliveries {
  static final int READ_ENTRIES = 256;
  static final long READ_BYTES = 1L << 20;

  /** A delivery due again with its message read back. */
  record Loaded(InFlight entry, Message message) {}

  private final ArrayDeque<InFlight> due = new ArrayDeque<>();
  private final ArrayDeque<Loaded> loaded = new ArrayDeque<>();
  private long loadedBytes;
  private List<InFlight> reading;

  void add(InFlight entry) {
    due.add(entry);
  }

  /**
   * The offsets to read next, ascending, or an empty list if a read is running, enough is read and
   * waiting, or nothing is due. The caller reads them and reports with {@link #readDone} or {@link
   * #readFailed}.
   */
  List<Long> startRead() {
    if (reading != null || due.isEmpty() || loadedBytes >= READ_BYTES) {
      return List.of();
    }
    List<InFlight> next = new ArrayList<>(Math.min(due.size(), READ_ENTRIES));
    while (next.size() < READ_ENTRIES && !due.isEmpty()) {
      next.add(due.poll());
    }
    next.sort((a, b) -> Long.compare(a.offset, b.offset));
    reading = next;
    List<Long> offsets = new ArrayList<>(next.size());
    next.forEach(entry -> offsets.add(entry.offset));
    return offsets;
  }

  /**
   * The read of {@link #startRead}'s entries returned {@code messages} (ascending, possibly cut
   * short by the byte bound). Entries past the last message read are due again; those before it
   * without a message were removed by retention: they are returned.
   */
  List<InFlight> readDone(List<Message> messages) {
    Map<Long, Message> byOffset = new HashMap<>();
    for (Message m : messages) {
      byOffset.put(m.getOffset(), m);
    }
    long lastRead = messages.isEmpty() ? Long.MAX_VALUE : messages.get(messages.size() - 1).getOffset();
    List<InFlight> gone = new ArrayList<>(0);
    List<InFlight> notReached = new ArrayList<>(0);
    for (InFlight entry : reading) {
      Message m = byOffset.get(entry.offset);
      if (m != null) {
        loaded.add(new Loaded(entry, m));
        loadedBytes += m.getBody().size();
      } else if (entry.offset < lastRead) {
        gone.add(entry);
      } else {
        notReached.add(entry);
      }
    }
    for (int i = notReached.size() - 1; i >= 0; i--) {
      due.addFirst(notReached.get(i));
    }
    reading = null;
    return gone;
  }

  /** The read failed: its entries are due again (first). */
  void readFailed() {
    for (int i = reading.size() - 1; i >= 0; i--) {
      due.addFirst(reading.get(i));
    }
    reading = null;
  }

  boolean hasLoaded() {
    return !loaded.isEmpty();
  }

  Loaded peek() {
    return loaded.peek();
  }

  Loaded poll() {
    Loaded l = loaded.poll();
    if (l != null) {
      loadedBytes -= l.message().getBody().size();
    }
    return l;
  }

  /** Entries due, being read, or read and waiting. */
  int size() {
    return due.size() + loaded.size() + (reading == null ? 0 : reading.size());
  }

  void clear() {
    due.clear();
    loaded.clear();
    loadedBytes = 0;
    reading = null;
  }
}
