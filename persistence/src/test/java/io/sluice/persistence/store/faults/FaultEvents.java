package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoredRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test events whose payloads name themselves, so a read can be checked against its write.
 *
 * <p>Events of an atomic write carry {@code id|seq|first|count|padding}: each one says which write
 * it belongs to and how many events that write has, so a reader can tell a whole write from a
 * half-visible one without any other record of what was written.
 */
final class FaultEvents {
  static final String WRITER = "writer-1";

  private FaultEvents() {}

  /** One event with payload {@code id#seq}. */
  static EventRecord event(String persistenceId, long sequenceNr, String... tags) {
    byte[] payload = (persistenceId + "#" + sequenceNr).getBytes(StandardCharsets.UTF_8);
    return new EventRecord(persistenceId, sequenceNr, WRITER, List.of(tags), 4, "m", "", payload);
  }

  /** Events {@code from..to} made with {@link #event}. */
  static List<EventRecord> events(String persistenceId, long from, long to) {
    List<EventRecord> out = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      out.add(event(persistenceId, s));
    }
    return out;
  }

  /** An event of {@code payloadBytes} bytes that starts with {@code id#seq}. */
  static EventRecord sized(
      String persistenceId, long sequenceNr, int payloadBytes, String... tags) {
    byte[] payload = new byte[payloadBytes];
    byte[] name = (persistenceId + "#" + sequenceNr).getBytes(StandardCharsets.UTF_8);
    System.arraycopy(name, 0, payload, 0, Math.min(name.length, payloadBytes));
    return new EventRecord(persistenceId, sequenceNr, WRITER, List.of(tags), 4, "m", "", payload);
  }

  /** Events {@code first .. first + count - 1} of one atomic write. */
  static List<EventRecord> atomicWrite(String persistenceId, long first, int count) {
    List<EventRecord> write = new ArrayList<>(count);
    for (long s = first; s < first + count; s++) {
      write.add(
          new EventRecord(
              persistenceId,
              s,
              WRITER,
              List.of(),
              4,
              "w",
              "",
              writePayload(persistenceId, s, first, count)));
    }
    return write;
  }

  /** The payload of event {@code sequenceNr} in the write {@code first, count}; 70..166 bytes. */
  static byte[] writePayload(String persistenceId, long sequenceNr, long first, int count) {
    StringBuilder sb = new StringBuilder();
    sb.append(persistenceId)
        .append('|')
        .append(sequenceNr)
        .append('|')
        .append(first)
        .append('|')
        .append(count)
        .append('|');
    // the padding depends on the sequence nr so that a record swapped with a neighbour cannot pass
    char fill = (char) ('a' + sequenceNr % 26);
    for (long i = 0, n = 50 + sequenceNr * 31 % 97; i < n; i++) {
      sb.append(fill);
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  static String payloadOf(StoredRecord r) {
    return new String(r.payload(), StandardCharsets.UTF_8);
  }

  static List<String> payloads(List<StoredRecord> records) {
    return records.stream().map(FaultEvents::payloadOf).toList();
  }

  static List<String> names(String persistenceId, long from, long to) {
    List<String> out = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      out.add(persistenceId + "#" + s);
    }
    return out;
  }

  /**
   * Reads every event of {@code persistenceId} written with {@link #atomicWrite} and checks that
   * they are exactly 1..highest in order, that each payload matches its sequence nr, and that every
   * atomic write is wholly present. Returns the events.
   */
  static List<StoredRecord> assertWholeWrites(MessageStore store, String persistenceId)
      throws IOException {
    long highest = store.highestSequenceNr(persistenceId);
    List<StoredRecord> events = store.read(persistenceId, 1, Long.MAX_VALUE, Long.MAX_VALUE);
    assertEquals(
        highest, events.size(), persistenceId + ": events 1.." + highest + " without holes");
    int i = 0;
    while (i < events.size()) {
      String[] fields = payloadOf(events.get(i)).split("\\|");
      long first = Long.parseLong(fields[2]);
      int count = Integer.parseInt(fields[3]);
      assertEquals(
          i + 1,
          first,
          persistenceId + ": write starting at seq " + (i + 1) + " begins at its first event");
      assertTrue(
          i + count <= events.size(),
          persistenceId
              + ": write "
              + first
              + ".."
              + (first + count - 1)
              + " is half visible, only "
              + (events.size() - i)
              + " of its "
              + count
              + " events are");
      for (int k = 0; k < count; k++) {
        StoredRecord r = events.get(i + k);
        assertEquals(first + k, r.sequenceNr(), persistenceId + ": order within write " + first);
        assertEquals(persistenceId, r.persistenceId());
        assertArrayEquals(
            writePayload(persistenceId, first + k, first, count),
            r.payload(),
            persistenceId + "#" + r.sequenceNr());
      }
      i += count;
    }
    return events;
  }
}
