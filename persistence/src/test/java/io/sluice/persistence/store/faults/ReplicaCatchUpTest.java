package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreRole;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.StoredRecord;
import io.sluice.persistence.store.internal.PositionRemovedException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica catches up with its master through {@code readRaw}/{@code appendRaw}: from empty
 * (1,000,000 messages; and while the master keeps writing), and from below the master's retention
 * (reset to the master's oldest position, then copy), ending byte-identical each time.
 */
class ReplicaCatchUpTest {
  private static final int IDS = 100;

  @TempDir Path dir;

  private StoreSettings settings(String name, String extra) {
    return StoreSettings.of(dir.resolve(name), "flush-mode = async\n"
        + "checkpoint-interval = 1 h\n"
        + "retention.check-interval = 1 h\n"
        + extra);
  }

  private static EventRecord message(long n) {
    String id = "queue|t-" + (n % IDS);
    long sequenceNr = n / IDS + 1;
    return FaultEvents.sized(id, sequenceNr, 16);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aReplicaIsByteIdenticalToItsMasterAfterAMillionMessages() throws Exception {
    int total = 1_000_000;
    try (MessageStore master = MessageStore.open(settings("master", "segment-size = 16 MiB\n"));
        MessageStore replica = MessageStore.open(settings("replica", "segment-size = 16 MiB\n"))) {
      replica.setRole(StoreRole.REPLICA);
      long started = System.nanoTime();
      master.startEpoch(1).get();
      List<CompletableFuture<?>> pending = new ArrayList<>();
      for (int n = 0; n < total; n += 1000) {
        List<List<EventRecord>> writes = new ArrayList<>(1000);
        for (int i = n; i < n + 1000; i++) {
          writes.add(List.of(message(i)));
        }
        pending.add(master.appendAll(writes));
        if (pending.size() == 16) {
          CompletableFuture.allOf(pending.toArray(new CompletableFuture[0])).get();
          pending.clear();
        }
      }
      CompletableFuture.allOf(pending.toArray(new CompletableFuture[0])).get();
      long written = System.nanoTime();

      int chunks = RawCopy.copy(master, replica, 1 << 20);
      long copied = System.nanoTime();
      RawCopy.assertSameLog(master, replica);
      System.out.printf("1,000,000 messages, %d MB: written in %d ms, copied in %d chunks in %d ms, compared in %d ms%n",
          master.confirmedPosition() >> 20, (written - started) / 1_000_000, chunks, (copied - written) / 1_000_000,
          (System.nanoTime() - copied) / 1_000_000);

      assertEquals(master.persistenceIds(), replica.persistenceIds());
      for (int i = 0; i < IDS; i++) {
        String id = "queue|t-" + i;
        assertEquals(total / IDS, replica.highestSequenceNr(id), id);
      }
      assertEquals(master.epochs(), replica.epochs());
      assertEquals(names(master.read("queue|t-7", 9_990, 10_000, 99)), names(replica.read("queue|t-7", 9_990, 10_000, 99)));
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aReplicaCatchesUpFromEmptyWhileTheMasterKeepsWriting() throws Exception {
    try (MessageStore master = MessageStore.open(settings("master", "segment-size = 64 KiB\n"));
        MessageStore replica = MessageStore.open(settings("replica", "segment-size = 64 KiB\n"))) {
      replica.setRole(StoreRole.REPLICA);
      master.startEpoch(1).get();
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        for (long n = 0; n < 20_000; n++) {
          master.append(List.of(message(n))).join();
        }
      });
      int rounds = 0;
      while (!writer.isDone()) {
        RawCopy.copy(master, replica, 8 * 1024);
        rounds++;
      }
      writer.get();
      RawCopy.copy(master, replica, 8 * 1024);
      assertTrue(rounds > 1, "copied while the master wrote");
      RawCopy.assertSameLog(master, replica);
      for (int i = 0; i < IDS; i++) {
        String id = "queue|t-" + i;
        assertEquals(names(master.read(id, 1, Long.MAX_VALUE, 999)), names(replica.read(id, 1, Long.MAX_VALUE, 999)));
      }
    }
  }

  @Test
  void aReplicaBelowTheMastersRetentionResetsToItsOldestPositionAndCopiesFromThere() throws Exception {
    String retention = "segment-size = 8 KiB\n"
        + "retention { disk-usage-ratio = 0.90, expendable-id-prefixes = [\"queue|\"] }\n"
        + "disk-limits { max-used-ratio = 1.0, hard-max-used-ratio = 1.0 }\n";
    AtomicReference<Double> masterDisk = new AtomicReference<>(0.0);
    try (MessageStore master = MessageStore.open(settings("master", retention), Clock.systemUTC(), masterDisk::get);
        // the replica's disk looks full throughout: it must still delete only below its master's floor
        MessageStore replica = MessageStore.open(settings("replica", retention), Clock.systemUTC(), () -> 0.95)) {
      replica.setRole(StoreRole.REPLICA);
      master.startEpoch(1).get();
      master.append(List.of(FaultEvents.sized("registry", 1, 100), FaultEvents.sized("registry", 2, 100))).get();
      long n = 0;
      for (; n < 100; n++) {
        master.append(List.of(FaultEvents.sized("queue|q", n + 1, 200))).get();
      }
      RawCopy.copy(master, replica, 4096);
      long replicaEnd = replica.confirmedPosition();

      for (; n < 400; n++) {
        master.append(List.of(FaultEvents.sized("queue|q", n + 1, 200))).get();
      }
      masterDisk.set(0.95);
      master.runRetention();
      assertTrue(master.minPosition() > replicaEnd, "the master removed what the replica lacks");

      assertThrows(PositionRemovedException.class, () -> RawCopy.copy(master, replica, 4096));
      long min = master.minPosition();
      replica.resetTo(min, master.epochs().epochAt(min).orElseThrow().epoch()).get();
      RawCopy.copy(master, replica, 4096);
      RawCopy.assertSameLog(master, replica);
      assertRetainedEventsEqual(master, replica);
      assertEquals(List.of(new Epoch(1, min)), replica.epochs().epochs(),
          "the replica knows the epoch in force where it starts");

      // the master's retention goes on; the replica follows its floor and writes nothing
      for (; n < 600; n++) {
        master.append(List.of(FaultEvents.sized("queue|q", n + 1, 200))).get();
      }
      RawCopy.copy(master, replica, 4096);
      master.runRetention();
      // the registry's events carried forward by the master reach the replica before its floor moves
      RawCopy.copy(master, replica, 4096);
      long end = replica.confirmedPosition();
      replica.runRetention();
      assertTrue(replica.minPosition() < master.minPosition(), "no floor yet: the replica deleted nothing");
      replica.retainBelow(master.minPosition());
      replica.runRetention();
      assertEquals(end, replica.confirmedPosition(), "the replica's retention wrote nothing");
      RawCopy.assertSameLog(master, replica);
      assertRetainedEventsEqual(master, replica);
    }
  }

  private static void assertRetainedEventsEqual(MessageStore master, MessageStore replica) throws Exception {
    for (String id : List.of("registry", "queue|q")) {
      List<String> expected = names(master.readRetained(id, 1, Long.MAX_VALUE, 9999));
      assertTrue(!expected.isEmpty(), id);
      assertEquals(expected, names(replica.readRetained(id, 1, Long.MAX_VALUE, 9999)), id);
    }
  }

  private static List<String> names(List<StoredRecord> records) {
    return records.stream().map(r -> r.persistenceId() + "#" + r.sequenceNr() + "@" + r.position()).toList();
  }
}
