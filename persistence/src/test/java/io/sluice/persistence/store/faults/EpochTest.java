package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.EpochHistory;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.RawChunk;
import io.sluice.persistence.store.StoreRole;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.internal.RecordCodec;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The epoch history: EpochStart records in the log, the {@code epochs} file beside it, rebuilt from
 * the log when lost or damaged and cut back to the recovered end; learnt by a replica from the
 * records it copies; kept when retention removes the records.
 */
class EpochTest {
  @TempDir Path dir;
  private final List<MessageStore> opened = new ArrayList<>();

  @AfterEach
  void closeStores() throws Exception {
    for (MessageStore store : opened) {
      store.close();
    }
  }

  private StoreSettings settings(String name) {
    return StoreSettings.of(dir.resolve(name), "segment-size = 64 KiB\ncheckpoint-interval = 1 h\n");
  }

  private MessageStore open(StoreSettings settings) throws Exception {
    MessageStore store = MessageStore.open(settings);
    opened.add(store);
    return store;
  }

  private MessageStore reopen(MessageStore store) throws Exception {
    store.close();
    opened.remove(store);
    return open(store.settings());
  }

  private static void write(MessageStore store, String id, long from, long to) throws Exception {
    for (long s = from; s <= to; s++) {
      store.append(List.of(FaultEvents.sized(id, s, 100))).get();
    }
  }

  @Test
  void startEpochAppendsARecordAndKeepsTheHistoryInTheEpochsFileAcrossReopens() throws Exception {
    MessageStore store = open(settings("a"));
    assertEquals(EpochHistory.EMPTY, store.epochs());
    assertEquals(0L, store.startEpoch(3).get());
    write(store, "q", 1, 10);
    long second = store.confirmedPosition();
    assertEquals(second, store.startEpoch(7).get());
    assertEquals(second + RecordCodec.EPOCH_START_SIZE, store.confirmedPosition());
    write(store, "q", 11, 12);

    List<Epoch> expected = List.of(new Epoch(3, 0), new Epoch(7, second));
    assertEquals(expected, store.epochs().epochs());
    assertEquals(List.of("3 0", "7 " + second), Files.readAllLines(store.settings().epochsFile()));
    assertEquals(Set.of("q"), store.persistenceIds(), "an EpochStart is no event of any id");
    assertEquals(FaultEvents.names("q", 1, 12), FaultEvents.payloads(store.read("q", 1, 99, 99)).stream()
        .map(p -> p.substring(0, p.indexOf('\0'))).toList());
    assertEquals(second, store.epochs().endOf(3, store.confirmedPosition()));
    assertEquals(store.confirmedPosition(), store.epochs().endOf(7, store.confirmedPosition()));
    assertEquals(-1, store.epochs().endOf(5, store.confirmedPosition()));
    assertEquals(Optional.of(new Epoch(7, second)), store.epochs().last());
    assertEquals(Optional.of(new Epoch(3, 0)), store.epochs().epochAt(second - 1));
    assertEquals(Optional.of(new Epoch(7, second)), store.epochs().epochAt(second));

    for (long stale : new long[] {7, 6, 1}) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> store.startEpoch(stale).get());
      assertInstanceOf(IllegalArgumentException.class, e.getCause(), "epoch " + stale);
    }

    MessageStore reopened = reopen(store);
    assertEquals(expected, reopened.epochs().epochs());
    assertEquals(FaultEvents.names("q", 1, 12).size(), reopened.read("q", 1, 99, 99).size());
  }

  @Test
  void aLostOrDamagedEpochsFileIsRebuiltFromTheLogAndEntriesPastTheEndAreDropped() throws Exception {
    MessageStore store = open(settings("a"));
    store.startEpoch(1).get();
    write(store, "q", 1, 700); // several segments
    long second = store.startEpoch(2).get();
    write(store, "q", 701, 710);
    List<Epoch> expected = List.of(new Epoch(1, 0), new Epoch(2, second));
    Path file = store.settings().epochsFile();
    store.close();
    opened.remove(store);

    Files.delete(file);
    MessageStore rebuilt = open(store.settings());
    assertEquals(expected, rebuilt.epochs().epochs(), "rebuilt from the whole log");
    assertTrue(Files.exists(file));
    rebuilt.close();
    opened.remove(rebuilt);

    Files.writeString(file, "1 0\n2 oops\n");
    rebuilt = open(store.settings());
    assertEquals(expected, rebuilt.epochs().epochs(), "a damaged file is rebuilt too");
    long end = rebuilt.confirmedPosition();
    rebuilt.close();
    opened.remove(rebuilt);

    // An epoch whose record is not in the log (the file names a position past its end)
    Files.writeString(file, "1 0\n2 " + second + "\n3 " + (end + 100) + "\n");
    rebuilt = open(store.settings());
    assertEquals(expected, rebuilt.epochs().epochs());
    assertEquals(List.of("1 0", "2 " + second), Files.readAllLines(file));
  }

  @Test
  void aReplicaLearnsEpochsFromCopiedRecordsAndNoChunkSpansTwoEpochs() throws Exception {
    MessageStore master = open(settings("master"));
    MessageStore replica = open(settings("replica"));
    replica.setRole(StoreRole.REPLICA);
    master.startEpoch(1).get();
    write(master, "q", 1, 20);
    long second = master.startEpoch(2).get();
    write(master, "q", 21, 40);

    RawChunk first = master.readRaw(0, 1 << 20);
    assertEquals(second, first.nextPosition(), "the chunk stops before the next EpochStart");
    RawChunk next = master.readRaw(second, 1 << 20);
    assertEquals(master.confirmedPosition(), next.nextPosition(), "a chunk may start with one");

    RawCopy.copy(master, replica, 1 << 20);
    assertEquals(master.epochs(), replica.epochs());
    RawCopy.assertSameLog(master, replica);
    replica = reopen(replica);
    assertEquals(master.epochs(), replica.epochs());
  }

  @Test
  void retentionRemovesEpochStartRecordsButNotTheHistoryAndNeverCarriesThemForward() throws Exception {
    AtomicReference<Double> disk = new AtomicReference<>(0.0);
    StoreSettings settings = StoreSettings.of(dir.resolve("a"), "segment-size = 8 KiB\n"
        + "retention { check-interval = 1 h, disk-usage-ratio = 0.90, expendable-id-prefixes = [\"queue|\"] }\n"
        + "disk-limits { max-used-ratio = 1.0, hard-max-used-ratio = 1.0 }");
    MessageStore store = MessageStore.open(settings, Clock.systemUTC(), disk::get);
    opened.add(store);
    store.startEpoch(1).get();
    write(store, "registry", 1, 2);
    long second = store.startEpoch(2).get();
    write(store, "queue|q", 1, 200);
    disk.set(0.95);
    store.runRetention();
    assertTrue(store.minPosition() > second, "both EpochStart records were removed");

    List<Epoch> expected = List.of(new Epoch(1, 0), new Epoch(2, second));
    assertEquals(expected, store.epochs().epochs());
    assertEquals(2, store.read("registry", 1, 2, 9).size(), "live events were carried forward");
    assertEquals(0, epochStarts(store), "no EpochStart was carried forward");
    store.close();
    opened.remove(store);
    store = MessageStore.open(settings, Clock.systemUTC(), () -> 0.0);
    opened.add(store);
    assertEquals(expected, store.epochs().epochs());
  }

  /** EpochStart records in the store's log. */
  private static int epochStarts(MessageStore store) throws Exception {
    int count = 0;
    long position = store.minPosition();
    while (position < store.confirmedPosition()) {
      RawChunk chunk = store.readRaw(position, 1 << 20);
      ByteBuffer b = chunk.bytes();
      for (int at = b.position(); at < b.limit() && b.getInt(at + 4) == RecordCodec.RECORD_MAGIC; at += b.getInt(at)) {
        if ((b.get(at + 12) & RecordCodec.FLAG_EPOCH_START) != 0) {
          count++;
        }
      }
      position = chunk.nextPosition();
    }
    return count;
  }
}
