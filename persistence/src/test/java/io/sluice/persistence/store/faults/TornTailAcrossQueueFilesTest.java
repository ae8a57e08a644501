package io.sluice.persistence.store.faults;

import static io.sluice.persistence.store.faults.FaultEvents.names;
import static io.sluice.persistence.store.faults.FaultEvents.payloads;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery cuts a torn tail whose ConsumeQueue entries began a new ConsumeQueue file: the file
 * must go too, or the next open finds the id's highest sequence nr in that (empty) last file and
 * reports sequence nrs that were never kept.
 */
class TornTailAcrossQueueFilesTest {
  @TempDir Path dir;

  private StoreSettings settings() {
    return StoreSettings.of(dir, "segment-size = 64 KiB\nflush-mode = sync\ncheckpoint-interval = 1 h\n"
        + "consume-queue.entries-per-file = 64\n");
  }

  @Test
  void theHighestSequenceNrStaysWhereRecoveryCutAfterAnotherReopen() throws Exception {
    try (MessageStore store = MessageStore.open(settings())) {
      for (long s = 1; s <= 40; s++) {
        store.append(List.of(FaultEvents.event("a", s))).get();
      }
    }
    long torn;
    byte[] checkpoint = Files.readAllBytes(settings().checkpointFile());
    try (MessageStore store = MessageStore.open(settings())) {
      for (long s = 41; s <= 80; s++) {
        store.append(List.of(FaultEvents.event("a", s))).get();
      }
      torn = store.read("a", 41, 41, 1).get(0).position();
    }
    Files.write(settings().checkpointFile(), checkpoint); // as if the process died before checkpointing
    LogFiles.flip(settings(), torn + 20);

    try (MessageStore store = MessageStore.open(settings())) {
      assertEquals(torn, store.recovery().end());
      assertEquals(40, store.highestSequenceNr("a"));
    }
    try (MessageStore store = MessageStore.open(settings())) {
      assertEquals(40, store.highestSequenceNr("a"));
      store.append(List.of(FaultEvents.event("a", 41))).get();
      assertEquals(names("a", 1, 41), payloads(store.read("a", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
    }
  }
}
