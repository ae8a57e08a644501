package io.sluice.persistence.store.faults;

import static io.sluice.persistence.store.faults.FaultEvents.assertWholeWrites;
import static io.sluice.persistence.store.faults.FaultEvents.event;
import static io.sluice.persistence.store.faults.FaultEvents.names;
import static io.sluice.persistence.store.faults.FaultEvents.payloads;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.CorruptedRecordException;
import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.FilteredRead;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.StoredRecord;
import io.sluice.persistence.store.faults.LogFiles.Spot;
import io.sluice.persistence.store.internal.RecordCodec;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damaged CommitLog bytes: in the tail that recovery re-verifies (after the last checkpoint), below
 * the checkpoint where only reads verify, torn tails and torn atomic writes, and garbage after the
 * end of the log. Ids here carry no key tags, so no Index entries are involved.
 */
class CorruptionTest {
  private static final String SETTINGS =
      "segment-size = 64 KiB\n"
          + "flush-mode = sync\n"
          + "checkpoint-interval = 1 h\n"
          + "retention.check-interval = 1 h\n"
          + "consume-queue.entries-per-file = 1024\n"
          + "index.slot-count = 1024\n"
          + "index.max-entries = 4096\n";

  @TempDir Path dir;

  private StoreSettings settings() {
    return StoreSettings.of(dir, SETTINGS);
  }

  private MessageStore open() throws Exception {
    return MessageStore.open(settings());
  }

  @FunctionalInterface
  private interface StoreWork {
    void run(MessageStore store) throws Exception;
  }

  /**
   * Runs {@code work} on an open store, closes it and puts back the checkpoint written when it
   * opened: the files look as if the process died before its next checkpoint.
   */
  private void writeAfterTheLastCheckpoint(StoreWork work) throws Exception {
    byte[] checkpoint;
    try (MessageStore store = open()) {
      checkpoint = Files.readAllBytes(settings().checkpointFile());
      work.run(store);
    }
    Files.write(settings().checkpointFile(), checkpoint);
  }

  /** Appends a#from..to and b#from..to as single-event writes, a and b alternating. */
  private static Map<String, StoredRecord> appendAlternating(MessageStore store, long from, long to)
      throws Exception {
    for (long s = from; s <= to; s++) {
      store.append(List.of(event("a", s))).get();
      store.append(List.of(event("b", s))).get();
    }
    Map<String, StoredRecord> byName = new TreeMap<>();
    for (String id : List.of("a", "b")) {
      for (StoredRecord r : store.read(id, 1, Long.MAX_VALUE, Long.MAX_VALUE)) {
        byName.put(id + "#" + r.sequenceNr(), r);
      }
    }
    return byName;
  }

  private static int sizeOf(EventRecord e) {
    return RecordCodec.encodedSize(e);
  }

  // (a) damage after the last checkpoint

  @ParameterizedTest
  @EnumSource(Spot.class)
  void damageAfterTheCheckpointTruncatesTheLogAtTheDamagedRecord(Spot spot) throws Exception {
    try (MessageStore store = open()) {
      appendAlternating(store, 1, 3);
    }
    long[] damagedAt = new long[1];
    long[] oldEnd = new long[1];
    writeAfterTheLastCheckpoint(
        store -> {
          Map<String, StoredRecord> records = appendAlternating(store, 4, 10);
          damagedAt[0] = records.get("a#7").position();
          oldEnd[0] = store.confirmedPosition();
        });
    LogFiles.flip(settings(), damagedAt[0] + spot.offsetIn(sizeOf(event("a", 7))));

    try (MessageStore store = open()) {
      assertEquals(damagedAt[0], store.recovery().end(), "recovered end");
      assertEquals(damagedAt[0], store.confirmedPosition());
      assertEquals(names("a", 1, 6), payloads(store.read("a", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
      assertEquals(names("b", 1, 6), payloads(store.read("b", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
      assertEquals(6, store.highestSequenceNr("a"));
      assertEquals(6, store.highestSequenceNr("b"));
      assertTrue(
          LogFiles.isZero(
              LogFiles.read(settings(), damagedAt[0], (int) (oldEnd[0] - damagedAt[0]))),
          "the truncated bytes are zeroed");

      store.append(List.of(event("a", 7), event("a", 8))).get();
      store.append(List.of(event("b", 7))).get();
      assertEquals(names("a", 1, 8), payloads(store.read("a", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
    }
    try (MessageStore store = open()) {
      assertEquals(0, store.recovery().discardedBytes());
      assertEquals(names("a", 1, 8), payloads(store.read("a", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
      assertEquals(names("b", 1, 7), payloads(store.read("b", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
    }
  }

  @Test
  void recoveryReportsEveryByteItTruncatesBehindADamagedRecord() throws Exception {
    long[] damagedAt = new long[1];
    long[] oldEnd = new long[1];
    writeAfterTheLastCheckpoint(
        store -> {
          damagedAt[0] = appendAlternating(store, 1, 10).get("a#7").position();
          oldEnd[0] = store.confirmedPosition();
        });
    LogFiles.flip(settings(), damagedAt[0] + Spot.PAYLOAD.offsetIn(sizeOf(event("a", 7))));

    try (MessageStore store = open()) {
      assertEquals(damagedAt[0], store.recovery().end());
      assertEquals(
          oldEnd[0] - damagedAt[0],
          store.recovery().discardedBytes(),
          "a#7..a#10 and b#7..b#10 discarded");
    }
  }

  @Test
  void aDamagedCheckpointFileMakesRecoveryScanTheWholeLog() throws Exception {
    try (MessageStore store = open()) {
      appendAlternating(store, 1, 5);
    }
    LogFiles.flipFile(settings().checkpointFile(), 10);

    try (MessageStore store = open()) {
      assertEquals(0, store.recovery().scannedFrom());
      assertEquals(store.confirmedPosition(), store.recovery().end());
      assertEquals(names("a", 1, 5), payloads(store.read("a", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
      store.append(List.of(event("a", 6))).get();
    }
  }

  // (b) damage below the checkpoint

  @ParameterizedTest
  @EnumSource(Spot.class)
  void readingADamagedRecordNamesItsSegmentAndPositionAndSparesTheOthers(Spot spot)
      throws Exception {
    try (MessageStore store = open()) {
      Map<String, StoredRecord> records = appendAlternating(store, 1, 10);
      store.checkpoint();
      long damagedAt = records.get("a#4").position();
      LogFiles.flip(settings(), damagedAt + spot.offsetIn(sizeOf(event("a", 4))));

      assertDamageReportedOnRead(store, damagedAt);
    }
  }

  @ParameterizedTest
  @EnumSource(Spot.class)
  void damageBelowTheCheckpointSurvivesReopenAndIsReportedOnRead(Spot spot) throws Exception {
    long damagedAt;
    long end;
    try (MessageStore store = open()) {
      damagedAt = appendAlternating(store, 1, 10).get("a#4").position();
      end = store.confirmedPosition();
    }
    LogFiles.flip(settings(), damagedAt + spot.offsetIn(sizeOf(event("a", 4))));

    try (MessageStore store = open()) {
      assertEquals(end, store.confirmedPosition(), "records below the checkpoint are kept");
      assertDamageReportedOnRead(store, damagedAt);
    }
  }

  private void assertDamageReportedOnRead(MessageStore store, long damagedAt) throws Exception {
    Path segment = LogFiles.segmentFile(settings(), damagedAt);
    CorruptedRecordException e =
        assertThrows(CorruptedRecordException.class, () -> store.read("a", 4, 4, 1));
    assertEquals(segment, e.file());
    assertEquals(damagedAt, e.position());
    assertTrue(e.getMessage().contains(segment.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("position " + damagedAt), e.getMessage());
    assertThrows(CorruptedRecordException.class, () -> store.read("a", 1, 10, 10));

    assertEquals(names("a", 1, 3), payloads(store.read("a", 1, 3, 10)));
    assertEquals(names("a", 5, 10), payloads(store.read("a", 5, 10, 10)));
    assertEquals(names("b", 1, 10), payloads(store.read("b", 1, 10, 10)));
    assertEquals(10, store.highestSequenceNr("a"));
  }

  @Test
  void aFilteredReadDoesNotReadTheRecordsItFiltersOut() throws Exception {
    long damagedAt;
    try (MessageStore store = open()) {
      for (long s = 1; s <= 5; s++) {
        store.append(List.of(event("a", s, s == 3 ? "tag:B" : "tag:A"))).get();
      }
      damagedAt = store.read("a", 3, 3, 1).get(0).position();
    }
    // the last byte of a#3's payload: reading the record would fail its CRC
    LogFiles.flip(settings(), damagedAt + sizeOf(event("a", 3, "tag:B")) - 1);

    try (MessageStore store = open()) {
      assertThrows(CorruptedRecordException.class, () -> store.read("a", 3, 3, 1));
      FilteredRead read = store.readFiltered("a", 1, 5, store.filterTags(Set.of("tag:A")), 10, 10);
      assertEquals(new FilteredRead.Skipped(3, 3), read.entries().get(2));
      List<String> matched = new ArrayList<>();
      for (FilteredRead.Entry e : read.entries()) {
        if (e instanceof FilteredRead.Matched m) {
          matched.add(FaultEvents.payloadOf(m.record()));
        }
      }
      assertEquals(List.of("a#1", "a#2", "a#4", "a#5"), matched);
      assertThrows(CorruptedRecordException.class,
          () -> store.readFiltered("a", 1, 5, store.filterTags(Set.of("tag:B")), 10, 10),
          "a record the filter accepts is read and verified");
    }
  }

  // (c) torn tail

  /** How much of the last record reached the disk (none of it would be a clean end, not a tear). */
  @ParameterizedTest
  @ValueSource(ints = {8, 12, 41, 50, -1})
  void aTornLastRecordIsTruncatedToThePreviousCompleteWrite(int keptBytes) throws Exception {
    EventRecord last = event("a", 6);
    int size = sizeOf(last);
    int kept = keptBytes < 0 ? size - 1 : keptBytes;
    long[] tornAt = new long[1];
    writeAfterTheLastCheckpoint(
        store -> {
          store.append(FaultEvents.events("a", 1, 3)).get();
          store.append(List.of(event("a", 4))).get();
          store.append(List.of(event("b", 1))).get();
          store.append(List.of(event("a", 5))).get();
          store.append(List.of(last)).get();
          tornAt[0] = store.read("a", 6, 6, 1).get(0).position();
        });
    LogFiles.zero(settings(), tornAt[0] + kept, size - kept);

    try (MessageStore store = open()) {
      assertEquals(tornAt[0], store.recovery().end());
      assertEquals(names("a", 1, 5), payloads(store.read("a", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
      assertEquals(5, store.highestSequenceNr("a"));
      assertEquals(names("b", 1, 1), payloads(store.read("b", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
      store.append(List.of(event("a", 6))).get();
    }
    try (MessageStore store = open()) {
      assertEquals(0, store.recovery().discardedBytes());
      assertEquals(names("a", 1, 6), payloads(store.read("a", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
    }
  }

  // (d) torn atomic write

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2})
  void aDamagedEventOfAnAtomicWriteDiscardsTheWholeWrite(int damagedEvent) throws Exception {
    List<EventRecord> torn = FaultEvents.atomicWrite("a", 4, 3);
    long[] writeAt = new long[1];
    long[] damagedAt = new long[1];
    writeAfterTheLastCheckpoint(
        store -> {
          store.append(FaultEvents.atomicWrite("a", 1, 3)).get();
          store.append(FaultEvents.atomicWrite("b", 1, 2)).get();
          store.append(torn).get();
          List<StoredRecord> written = store.read("a", 4, 6, 3);
          writeAt[0] = written.get(0).position();
          damagedAt[0] = written.get(damagedEvent).position();
        });
    int size = sizeOf(torn.get(damagedEvent));
    LogFiles.zero(settings(), damagedAt[0] + size / 2, size - size / 2);

    try (MessageStore store = open()) {
      assertEquals(writeAt[0], store.recovery().end());
      long writeBytes = 0;
      for (EventRecord e : torn) {
        writeBytes += sizeOf(e);
      }
      long discarded = store.recovery().discardedBytes();
      assertTrue(
          discarded >= damagedAt[0] - writeAt[0] + size / 2 && discarded <= writeBytes,
          "discarded " + discarded + " bytes: the write's intact events and the damaged one's rest");
      assertEquals(3, assertWholeWrites(store, "a").size(), "a#4..6 are gone, all of them");
      assertEquals(2, assertWholeWrites(store, "b").size());
      store.append(FaultEvents.atomicWrite("a", 4, 2)).get();
    }
    try (MessageStore store = open()) {
      assertEquals(5, assertWholeWrites(store, "a").size());
    }
  }

  // (e) garbage after the end of the log

  @ParameterizedTest
  @ValueSource(ints = {0, 5_000})
  void randomGarbageAfterTheEndIsZeroedAndLaterReopensStayConsistent(int gapBytes)
      throws Exception {
    byte[] garbage = new byte[3_000];
    new Random(gapBytes).nextBytes(garbage);
    assertGarbageIsDropped(gapBytes, garbage);
  }

  @Test
  void garbageThatStartsLikeARecordIsZeroedToo() throws Exception {
    byte[] garbage = new byte[200];
    new Random(7).nextBytes(garbage);
    ByteBuffer.wrap(garbage).putInt(0, 120).putInt(4, RecordCodec.RECORD_MAGIC);
    assertGarbageIsDropped(0, garbage);
  }

  private void assertGarbageIsDropped(int gapBytes, byte[] garbage) throws Exception {
    long end;
    try (MessageStore store = open()) {
      appendAlternating(store, 1, 5);
      end = store.confirmedPosition();
    }
    LogFiles.write(settings(), end + gapBytes, garbage);

    try (MessageStore store = open()) {
      assertEquals(end, store.recovery().end());
      assertEquals(end, store.confirmedPosition());
      assertTrue(
          LogFiles.isZero(LogFiles.read(settings(), end, gapBytes + garbage.length)),
          "garbage zeroed");
      assertEquals(names("a", 1, 5), payloads(store.read("a", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
    }
    try (MessageStore store = open()) {
      assertEquals(end, store.recovery().end());
      assertEquals(0, store.recovery().discardedBytes());
      appendAlternating(store, 6, 8);
    }
    try (MessageStore store = open()) {
      assertEquals(names("a", 1, 8), payloads(store.read("a", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
      assertEquals(names("b", 1, 8), payloads(store.read("b", 1, Long.MAX_VALUE, Long.MAX_VALUE)));
    }
  }

  // a lost tail in an earlier segment (writes of one batch reach the disk out of order)

  @Test
  void aLostTailOfAnEarlierSegmentLeavesNoHolesBehind() throws Exception {
    List<StoredRecord> written = new ArrayList<>();
    writeAfterTheLastCheckpoint(
        store -> {
          long s = 1;
          while (store.confirmedPosition() < settings().segmentSizeBytes() + 1_000) {
            store.append(List.of(FaultEvents.sized("a", s++, 500))).get();
          }
          written.addAll(store.read("a", 1, Long.MAX_VALUE, Long.MAX_VALUE));
        });
    long segmentEnd = settings().segmentSizeBytes();
    StoredRecord lost =
        written.stream().filter(r -> r.position() < segmentEnd).reduce((x, y) -> y).orElseThrow();
    LogFiles.zero(settings(), lost.position(), (int) (segmentEnd - lost.position()));

    try (MessageStore store = open()) {
      long highest = store.highestSequenceNr("a");
      assertEquals(
          highest,
          store.read("a", 1, Long.MAX_VALUE, Long.MAX_VALUE).size(),
          "events 1.." + highest + " without holes (a#" + lost.sequenceNr() + " was lost)");
    }
  }
}
