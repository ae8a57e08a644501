package io.sluice.bench.engine;

import io.sluice.persistence.store.EventRecord;
import java.util.List;
import java.util.SplittableRandom;

/** Events as the journal would hand them to the store: 1 KiB payload, no tags unless asked. */
public final class BenchEvents {
  public static final int PAYLOAD_BYTES = 1024;

  /** Pekko's ByteArraySerializer, what a byte[] event gets through the journal. */
  public static final int BYTE_ARRAY_SERIALIZER_ID = 4;

  private static final String WRITER_UUID = "bench-writer";

  private BenchEvents() {}

  /** A random, incompressible payload; the store never modifies it, so one array is shared. */
  public static byte[] payload() {
    byte[] bytes = new byte[PAYLOAD_BYTES];
    new SplittableRandom(42).nextBytes(bytes);
    return bytes;
  }

  public static String persistenceId(int i) {
    return "bench-" + i;
  }

  public static EventRecord event(String persistenceId, long sequenceNr, byte[] payload) {
    return new EventRecord(
        persistenceId,
        sequenceNr,
        WRITER_UUID,
        List.of(),
        BYTE_ARRAY_SERIALIZER_ID,
        "",
        "",
        payload);
  }

  /** An event with a key tag, which puts an entry in the store's Index. */
  public static EventRecord keyedEvent(String persistenceId, long sequenceNr, byte[] payload) {
    return new EventRecord(
        persistenceId,
        sequenceNr,
        WRITER_UUID,
        List.of("key:" + persistenceId + "-" + sequenceNr),
        BYTE_ARRAY_SERIALIZER_ID,
        "",
        "",
        payload);
  }
}
