package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreRole;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.StoredRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A deposed master's divergent tail: the old master A wrote records in epoch 1 that its replica B
 * never got; B became master in epoch 2. A truncates to where epoch 1 ends on B, keeping the cut
 * records in {@code divergent/}, and then copies B's log to a byte-identical store; every view of
 * A (reads, sequence nrs, deletions, lookups, ids, epochs) forgets the cut records, also after a
 * reopen.
 */
class TruncateToTest {
  private static final int CHUNK = 4096;

  @TempDir Path dir;
  private final List<MessageStore> opened = new ArrayList<>();

  @AfterEach
  void closeStores() throws Exception {
    for (MessageStore store : opened) {
      store.close();
    }
  }

  private StoreSettings settings(String name, String segmentSize) {
    return StoreSettings.of(dir.resolve(name), "flush-mode = async\n"
        + "checkpoint-interval = 1 h\n"
        + "retention.check-interval = 1 h\n"
        + "consume-queue.entries-per-file = 64\n"
        + "segment-size = " + segmentSize);
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

  private static void write(MessageStore store, String id, long from, long to, int payload) throws Exception {
    for (long s = from; s <= to; s++) {
      store.append(List.of(FaultEvents.sized(id, s, payload, "key:" + id + "-" + s))).get();
    }
  }

  private static List<String> names(MessageStore store, String id) throws Exception {
    return store.read(id, 1, Long.MAX_VALUE, Long.MAX_VALUE).stream().map(TruncateToTest::name).toList();
  }

  private static String name(StoredRecord r) {
    String s = FaultEvents.payloadOf(r);
    return s.indexOf('\0') < 0 ? s : s.substring(0, s.indexOf('\0'));
  }

  @ParameterizedTest
  @ValueSource(strings = {"1 MiB", "16 KiB"})
  void aDeposedMasterCutsItsDivergentTailAndThenCopiesItsSuccessor(String segmentSize) throws Exception {
    MessageStore a = open(settings("a", segmentSize));
    MessageStore b = open(settings("b", segmentSize));
    b.setRole(StoreRole.REPLICA);
    assertEquals(0L, a.startEpoch(1).get());
    write(a, "q", 1, 40, 200);
    write(a, "g", 1, 10, 200);
    a.deleteTo("g", 3).get();
    RawCopy.copy(a, b, CHUNK);
    long agreed = a.confirmedPosition();

    // A goes on alone in epoch 1: more of q and g, a deletion, a new id
    write(a, "q", 41, 80, 200);
    write(a, "g", 11, 12, 200);
    a.deleteTo("g", 11).get();
    write(a, "only-on-a", 1, 5, 200);
    long aEnd = a.confirmedPosition();
    byte[] tail = RawCopy.records(a, agreed);

    // B is elected in epoch 2 and takes writes; A comes back as a replica
    b.setRole(StoreRole.MASTER);
    long epoch2 = b.startEpoch(2).get();
    assertEquals(agreed, epoch2);
    write(b, "q", 41, 50, 150);
    a.setRole(StoreRole.REPLICA);
    long cut = Math.min(b.epochs().endOf(a.epochs().last().orElseThrow().epoch(), b.confirmedPosition()), aEnd);
    assertEquals(agreed, cut);

    assertEquals(agreed, a.truncateTo(cut).get(10, TimeUnit.SECONDS));

    Path divergent = a.settings().dir().resolve("divergent").resolve("1-" + agreed + ".log");
    assertArrayEquals(tail, Files.readAllBytes(divergent), "the cut records are kept for operators");
    assertTruncated(a, agreed);

    a = reopen(a);
    a.setRole(StoreRole.REPLICA);
    assertTruncated(a, agreed);

    RawCopy.copy(b, a, CHUNK);
    RawCopy.assertSameLog(b, a);
    assertEquals(b.epochs(), a.epochs());
    assertEquals(List.of(new Epoch(1, 0), new Epoch(2, agreed)), a.epochs().epochs());
    assertEquals(names(b, "q"), names(a, "q"));
    assertEquals(50, a.highestSequenceNr("q"));
    assertEquals(Set.of("q", "g"), a.persistenceIds());

    a = reopen(a);
    RawCopy.assertSameLog(b, a);
    assertEquals(b.epochs(), a.epochs());
    assertEquals(names(b, "q"), names(a, "q"));
  }

  private static void assertTruncated(MessageStore a, long end) throws Exception {
    assertEquals(end, a.confirmedPosition());
    assertEquals(40, a.highestSequenceNr("q"));
    assertEquals(10, a.highestSequenceNr("g"));
    assertEquals(4, a.lowestSequenceNr("g"), "the deletion up to 11 was cut, the one up to 3 stays");
    assertEquals(FaultEvents.names("g", 4, 10), names(a, "g"));
    assertEquals(FaultEvents.names("q", 1, 40), names(a, "q"));
    assertEquals(Set.of("q", "g"), a.persistenceIds(), "an id only the tail had is gone");
    assertEquals(0, a.highestSequenceNr("only-on-a"));
    assertTrue(a.lookupByKey("q-41", 0, Long.MAX_VALUE, 10).isEmpty(), "Index entries of the tail are gone");
    assertEquals(1, a.lookupByKey("q-40", 0, Long.MAX_VALUE, 10).size());
    assertEquals(List.of(new Epoch(1, 0)), a.epochs().epochs());
  }

  @Test
  void aTruncatedMasterTakesTheCutSequenceNumbersAgainAfterAReopen() throws Exception {
    MessageStore a = open(settings("a", "1 MiB"));
    write(a, "q", 1, 20, 50);
    long cut = a.read("q", 11, 11, 1).get(0).position();

    assertEquals(cut, a.truncateTo(cut).get());
    assertEquals(10, a.highestSequenceNr("q"));
    write(a, "q", 11, 12, 60);
    assertEquals(FaultEvents.names("q", 1, 12), names(a, "q"));

    a = reopen(a);
    assertEquals(FaultEvents.names("q", 1, 12), names(a, "q"));
    assertEquals(0, a.recovery().discardedBytes());
    write(a, "q", 13, 13, 60);
    assertEquals(13, a.highestSequenceNr("q"));
  }

  @Test
  void aDamagedRecordInTheTailEndsTheCopyButNotTheTruncation() throws Exception {
    StoreSettings settings = settings("a", "1 MiB");
    MessageStore a = open(settings);
    write(a, "q", 1, 20, 50);
    long cut = a.read("q", 11, 11, 1).get(0).position();
    long damaged = a.read("q", 15, 15, 1).get(0).position();
    byte[] kept = Arrays.copyOf(RawCopy.records(a, cut), (int) (damaged - cut));
    LogFiles.flip(settings, damaged + 5); // the magic of q#15

    assertEquals(cut, a.truncateTo(cut).get());
    assertArrayEquals(kept, Files.readAllBytes(settings.divergentDir().resolve("0-" + cut + ".log")));
    assertEquals(10, a.highestSequenceNr("q"));
    write(a, "q", 11, 11, 50);
    assertEquals(FaultEvents.names("q", 1, 11), names(a, "q"));
  }

  @Test
  void aPositionThatIsNoRecordBoundaryOrOutsideTheLogIsRefusedAndNothingChanges() throws Exception {
    AtomicReference<Double> disk = new AtomicReference<>(0.0);
    StoreSettings settings = StoreSettings.of(dir.resolve("a"), "segment-size = 8 KiB\n"
        + "retention { check-interval = 1 h, disk-usage-ratio = 0.90 }\n"
        + "disk-limits { max-used-ratio = 1.0, hard-max-used-ratio = 1.0 }");
    MessageStore a = MessageStore.open(settings, Clock.systemUTC(), disk::get);
    opened.add(a);
    write(a, "q", 1, 40, 500);
    disk.set(0.95);
    a.runRetention();
    long min = a.minPosition();
    assertTrue(min > 0, "retention removed the first segments");
    long end = a.confirmedPosition();
    long record = a.read("q", 40, 40, 1).get(0).position();

    for (long position : new long[] {record + 1, record - 1, min - 1, 0, end + 1}) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> a.truncateTo(position).get());
      assertInstanceOf(IllegalArgumentException.class, e.getCause(), "position " + position);
    }
    assertEquals(end, a.confirmedPosition());
    assertEquals(40, a.highestSequenceNr("q"));
    assertFalse(Files.exists(settings.divergentDir()), "nothing copied");
    assertEquals(end, a.truncateTo(end).get(), "the end itself: nothing to cut");
    assertEquals(min, a.truncateTo(min).get(), "the oldest position: everything cut");
    assertEquals(min, a.confirmedPosition());
  }
}
