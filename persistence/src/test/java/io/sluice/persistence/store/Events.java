package io.sluice.persistence.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds test events whose payload names them, so a read can be checked against its write. */
final class Events {
  private Events() {}

  static EventRecord event(String persistenceId, long sequenceNr, String... tags) {
    byte[] payload = (persistenceId + "#" + sequenceNr).getBytes(StandardCharsets.UTF_8);
    return new EventRecord(persistenceId, sequenceNr, "writer-1", List.of(tags), 4, "m", "", payload);
  }

  static EventRecord sized(String persistenceId, long sequenceNr, int payloadBytes) {
    byte[] payload = new byte[payloadBytes];
    byte[] name = (persistenceId + "#" + sequenceNr).getBytes(StandardCharsets.UTF_8);
    System.arraycopy(name, 0, payload, 0, Math.min(name.length, payloadBytes));
    return new EventRecord(persistenceId, sequenceNr, "writer-1", List.of(), 4, "m", "", payload);
  }

  static List<EventRecord> range(String persistenceId, long from, long to) {
    List<EventRecord> events = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      events.add(event(persistenceId, s));
    }
    return events;
  }

  static String payloadOf(StoredRecord r) {
    return new String(r.payload(), StandardCharsets.UTF_8);
  }
}
