package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StorageFullException;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.internal.DiskSpace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes are refused before the disk is full: above {@code disk-limits.max-used-ratio} the store
 * says messages are to be refused (admission, for the node's produce path) and still stores
 * control events; above the hard limit the writer refuses every append at once; reads go on, and
 * writes are accepted again once usage drops. The usage comes from an injected probe.
 */
class DiskLimitTest {
  @TempDir Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  volatile double usage = 0.5;

  private MessageStore open() throws Exception {
    StoreSettings settings = StoreSettings.of(dir, "segment-size = 64 KiB\n"
        + "retention.expendable-id-prefixes = [\"queue|\"]\n"
        + "disk-limits { max-used-ratio = 0.90, hard-max-used-ratio = 0.97, check-interval = 1 s }");
    return MessageStore.open(settings, clock, () -> usage);
  }

  @Test
  void countsBytesWrittenSinceTheLastSampleSoAFastWriterCannotOvershoot() throws Exception {
    StoreSettings settings = StoreSettings.of(dir, "segment-size = 1 MiB\n"
        + "disk-limits { max-used-ratio = 0.90, hard-max-used-ratio = 0.97, check-interval = 1 h }");
    DiskSpace.UsageProbe oneMegabyteDisk = new DiskSpace.UsageProbe() {
      @Override
      public double usedRatio() {
        return 0.5;
      }

      @Override
      public long totalBytes() {
        return 1024 * 1024;
      }
    };
    try (MessageStore store = MessageStore.open(settings, clock, oneMegabyteDisk)) {
      assertTrue(store.messageWriteRefusal().isEmpty());
      for (long s = 1; s <= 5; s++) {
        store.append(List.of(new EventRecord("queue|t-0", s, "w", List.of(), 4, "m", "", new byte[100_000]))).get();
      }
      assertTrue(store.messageWriteRefusal().isPresent(), "half the disk was used, then ~500 KB written");
      assertInstanceOf(StorageFullException.class, failureOf(store.append(
          List.of(new EventRecord("queue|t-0", 6, "w", List.of(), 4, "m", "", new byte[100_000])))));
    }
  }

  private static List<EventRecord> event(String persistenceId, long sequenceNr) {
    byte[] payload = (persistenceId + "#" + sequenceNr).getBytes(StandardCharsets.UTF_8);
    return List.of(new EventRecord(persistenceId, sequenceNr, "w", List.of(), 4, "m", "", payload));
  }

  private static Throwable failureOf(java.util.concurrent.CompletableFuture<Void> write) {
    return assertThrows(ExecutionException.class, write::get).getCause();
  }

  @Test
  void refusesMessagesAboveTheLimitEverythingAboveTheHardLimitAndServesReads() throws Exception {
    try (MessageStore store = open()) {
      store.append(event("queue|t-0", 1)).get();
      assertTrue(store.messageWriteRefusal().isEmpty());
      assertTrue(store.acceptsMessageWrites());

      usage = 0.93;
      clock.advance(Duration.ofSeconds(1));
      assertTrue(store.messageWriteRefusal().get().getMessage().contains("93.0% full"),
          store.messageWriteRefusal().get().getMessage());
      assertFalse(store.acceptsMessageWrites());
      store.append(event("group|g|t-0", 1)).get();
      assertEquals(1, store.read("queue|t-0", 1, 10, 10).size());

      usage = 0.98;
      clock.advance(Duration.ofSeconds(1));
      assertInstanceOf(StorageFullException.class, failureOf(store.append(event("group|g|t-0", 2))));
      assertInstanceOf(StorageFullException.class, failureOf(store.append(event("queue|t-0", 2))));
      assertEquals(1, store.highestSequenceNr("group|g|t-0"));
      assertEquals(1, store.read("queue|t-0", 1, 10, 10).size());

      usage = 0.5;
      clock.advance(Duration.ofSeconds(1));
      assertTrue(store.acceptsMessageWrites());
      store.append(event("queue|t-0", 2)).get();
      store.append(event("group|g|t-0", 2)).get();
      assertEquals(2, store.read("queue|t-0", 1, 10, 10).size());
    }
  }
}
