package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.RawChunk;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.StoredRecord;
import io.sluice.persistence.store.faults.LogFiles.Spot;
import io.sluice.persistence.store.internal.RecordCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A replica copies the master's CommitLog with {@code readRaw}/{@code appendRaw} from its own
 * confirmed position and ends up byte-identical, with the same reads and lookups; chunks that do
 * not continue its log, or fail their CRC, are refused without writing anything.
 */
class ReplicationTest {
  private static final String SETTINGS =
      "flush-mode = sync\n"
          + "checkpoint-interval = 1 h\n"
          + "retention.check-interval = 1 h\n"
          + "consume-queue.entries-per-file = 64\n"
          + "index.slot-count = 64\n"
          + "index.max-entries = 256\n";
  private static final int CHUNK_BYTES = 2_000;

  @TempDir Path dir;
  private final List<MessageStore> opened = new ArrayList<>();

  @AfterEach
  void closeStores() throws IOException {
    for (MessageStore store : opened) {
      store.close();
    }
  }

  private StoreSettings settings(String name, String segmentSize) {
    return StoreSettings.of(dir.resolve(name), SETTINGS + "segment-size = " + segmentSize);
  }

  private MessageStore open(StoreSettings settings) throws IOException {
    MessageStore store = MessageStore.open(settings);
    opened.add(store);
    return store;
  }

  /**
   * Appends {@code eventsPerId} events to each of {@code ids} ids round-robin, some as atomic
   * writes, with key and message-id tags on every third id; deletes part of two ids halfway and at
   * the end.
   */
  private static void populate(MessageStore master, int ids, int eventsPerId, int payloadBytes)
      throws Exception {
    for (int s = 1; s <= eventsPerId; s += 2) {
      for (int i = 0; i < ids; i++) {
        String id = "r" + i;
        String[] tags =
            i % 3 == 0 ? new String[] {"key:k" + s % 7, "id:" + id + "-" + s} : new String[0];
        master
            .append(
                List.of(
                    FaultEvents.sized(id, s, payloadBytes, tags),
                    FaultEvents.sized(id, s + 1, payloadBytes)))
            .get();
      }
      if (s == eventsPerId / 2 + 1) {
        master.deleteTo("r1", s / 2).get();
      }
    }
    master.deleteTo("r2", eventsPerId - 3).get();
    master.deleteTo("r4", Long.MAX_VALUE).get();
  }

  /**
   * Copies the master's log to the replica from the replica's confirmed position until it has
   * caught up; returns the number of chunks.
   */
  private static int copyUntilCaughtUp(MessageStore master, MessageStore replica, int maxBytes)
      throws Exception {
    long position = replica.confirmedPosition();
    int chunks = 0;
    for (int steps = 0; steps < 100_000; steps++) {
      RawChunk chunk = master.readRaw(position, maxBytes);
      if (!chunk.bytes().hasRemaining()) {
        if (chunk.nextPosition() == position) {
          return chunks;
        }
        // the segment's tail is too small for an end marker: the log continues in the next one
        position = chunk.nextPosition();
        continue;
      }
      long end = replica.appendRaw(chunk.position(), chunk.bytes()).get(10, TimeUnit.SECONDS);
      assertEquals(chunk.nextPosition(), end, "replica end after the chunk at " + chunk.position());
      position = end;
      chunks++;
    }
    return fail("replication did not catch up");
  }

  private static void assertSameStore(
      MessageStore master,
      StoreSettings masterSettings,
      MessageStore replica,
      StoreSettings replicaSettings)
      throws IOException {
    long confirmed = master.confirmedPosition();
    assertEquals(confirmed, replica.confirmedPosition());
    assertSegmentsIdentical(masterSettings, replicaSettings, confirmed);
    assertEquals(master.persistenceIds(), replica.persistenceIds());
    for (String id : master.persistenceIds()) {
      assertEquals(master.highestSequenceNr(id), replica.highestSequenceNr(id), id);
      assertEquals(master.lowestSequenceNr(id), replica.lowestSequenceNr(id), id);
      assertEquals(
          describe(master.read(id, 1, Long.MAX_VALUE, Long.MAX_VALUE)),
          describe(replica.read(id, 1, Long.MAX_VALUE, Long.MAX_VALUE)),
          id);
    }
    for (int k = 0; k < 7; k++) {
      assertEquals(
          describe(master.lookupByKey("k" + k, 0, Long.MAX_VALUE, 1000)),
          describe(replica.lookupByKey("k" + k, 0, Long.MAX_VALUE, 1000)),
          "key k" + k);
    }
    List<StoredRecord> byId = master.lookupByMessageId("r0-1", 10);
    assertEquals(1, byId.size());
    assertEquals(describe(byId), describe(replica.lookupByMessageId("r0-1", 10)));
    List<StoredRecord> byTime = master.lookupByTime(0, Long.MAX_VALUE, 100_000);
    assertTrue(byTime.size() > 10);
    assertEquals(describe(byTime), describe(replica.lookupByTime(0, Long.MAX_VALUE, 100_000)));
  }

  private static void assertSegmentsIdentical(
      StoreSettings master, StoreSettings replica, long confirmed) throws IOException {
    List<String> names =
        LogFiles.segmentFiles(master).stream().map(p -> p.getFileName().toString()).toList();
    assertEquals(
        names,
        LogFiles.segmentFiles(replica).stream().map(p -> p.getFileName().toString()).toList());
    for (String name : names) {
      long base = Long.parseLong(name);
      int length = (int) Math.min(master.segmentSizeBytes(), confirmed - base);
      assertArrayEquals(
          LogFiles.read(master, base, length),
          LogFiles.read(replica, base, length),
          "segment " + name);
    }
  }

  private static List<String> describe(List<StoredRecord> records) {
    return records.stream()
        .map(
            r ->
                r
                    + " t="
                    + r.timestamp()
                    + " tags="
                    + r.tags()
                    + " "
                    + FaultEvents.payloadOf(r).trim())
        .toList();
  }

  @Test
  void replicaIsByteIdenticalToTheMasterWithinOneSegment() throws Exception {
    StoreSettings masterSettings = settings("master", "1 MiB");
    StoreSettings replicaSettings = settings("replica", "1 MiB");
    MessageStore master = open(masterSettings);
    MessageStore replica = open(replicaSettings);
    populate(master, 9, 30, 100);

    int chunks = copyUntilCaughtUp(master, replica, CHUNK_BYTES);
    assertTrue(chunks > 10, chunks + " chunks");
    assertSameStore(master, masterSettings, replica, replicaSettings);

    for (int i = 0; i < 3; i++) {
      master.append(List.of(FaultEvents.sized("r" + i, 31, 50))).get();
    }
    master.deleteTo("r0", 10).get();
    copyUntilCaughtUp(master, replica, CHUNK_BYTES);
    assertSameStore(master, masterSettings, replica, replicaSettings);
  }

  @Test
  void replicaIsByteIdenticalToTheMasterAcrossSegmentRolls() throws Exception {
    StoreSettings masterSettings = settings("master", "64 KiB");
    StoreSettings replicaSettings = settings("replica", "64 KiB");
    MessageStore master = open(masterSettings);
    MessageStore replica = open(replicaSettings);
    populate(master, 9, 60, 300);
    assertTrue(LogFiles.segmentFiles(masterSettings).size() >= 3, "the master rolled");

    copyUntilCaughtUp(master, replica, CHUNK_BYTES);
    assertSameStore(master, masterSettings, replica, replicaSettings);
  }

  @Test
  void replicatesSegmentsWhoseTailIsTooSmallForAnEndMarker() throws Exception {
    StoreSettings masterSettings = settings("master", "4 KiB");
    StoreSettings replicaSettings = settings("replica", "4 KiB");
    MessageStore master = open(masterSettings);
    MessageStore replica = open(replicaSettings);
    // four 1023-byte records leave 4 bytes at the end of every 4096-byte segment
    for (long s = 1; s <= 30; s++) {
      String[] tags = {"key:k" + s % 7, "id:r0-" + s};
      int payload = 1023 - RecordCodec.encodedSize(FaultEvents.sized("r0", s, 0, tags));
      master.append(List.of(FaultEvents.sized("r0", s, payload, tags))).get();
    }
    assertEquals(
        1023,
        master.read("r0", 2, 2, 1).get(0).position()
            - master.read("r0", 1, 1, 1).get(0).position());
    assertTrue(LogFiles.isZero(LogFiles.read(masterSettings, 4092, 4)), "no end marker");
    assertTrue(LogFiles.segmentFiles(masterSettings).size() >= 5, "the master rolled");

    copyUntilCaughtUp(master, replica, CHUNK_BYTES);
    assertSameStore(master, masterSettings, replica, replicaSettings);
  }

  /** Where a chunk is sent, relative to the replica's end. */
  enum Misplacement {
    AFTER_A_GAP,
    ONE_BYTE_OFF,
    ALREADY_APPLIED
  }

  @ParameterizedTest
  @EnumSource(Misplacement.class)
  void aChunkAtTheWrongPositionIsRejectedAndTheReplicaKeepsWorking(Misplacement misplacement)
      throws Exception {
    StoreSettings masterSettings = settings("master", "1 MiB");
    StoreSettings replicaSettings = settings("replica", "1 MiB");
    MessageStore master = open(masterSettings);
    MessageStore replica = open(replicaSettings);
    populate(master, 9, 30, 100);
    RawChunk applied = master.readRaw(0, CHUNK_BYTES);
    replica.appendRaw(applied.position(), applied.bytes()).get();
    long end = replica.confirmedPosition();
    RawChunk next = master.readRaw(end, CHUNK_BYTES);

    long wrongPosition =
        switch (misplacement) {
          case AFTER_A_GAP -> end + next.bytes().remaining();
          case ONE_BYTE_OFF -> end + 1;
          case ALREADY_APPLIED -> applied.position();
        };
    ByteBuffer bytes =
        misplacement == Misplacement.ALREADY_APPLIED ? applied.bytes() : next.bytes();
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> replica.appendRaw(wrongPosition, bytes).get(10, TimeUnit.SECONDS));
    assertInstanceOf(IOException.class, e.getCause());
    assertTrue(
        e.getCause().getMessage().contains("starts at " + wrongPosition),
        e.getCause().getMessage());
    assertEquals(end, replica.confirmedPosition());

    copyUntilCaughtUp(master, replica, CHUNK_BYTES);
    assertSameStore(master, masterSettings, replica, replicaSettings);
  }

  @ParameterizedTest
  @EnumSource(Spot.class)
  void aChunkWithAFlippedByteInItsLastRecordIsRefusedWhole(Spot spot) throws Exception {
    assertFlippedChunkRefused(true, spot);
  }

  @Test
  void aChunkWithAFlippedByteInItsFirstRecordIsRefusedWhole() throws Exception {
    assertFlippedChunkRefused(false, Spot.PAYLOAD);
  }

  private void assertFlippedChunkRefused(boolean inLastRecord, Spot spot) throws Exception {
    StoreSettings masterSettings = settings("master", "1 MiB");
    StoreSettings replicaSettings = settings("replica", "1 MiB");
    MessageStore master = open(masterSettings);
    MessageStore replica = open(replicaSettings);
    populate(master, 9, 30, 100);
    RawChunk first = master.readRaw(0, CHUNK_BYTES);
    replica.appendRaw(first.position(), first.bytes()).get();
    long end = replica.confirmedPosition();
    var idsBefore = replica.persistenceIds();
    RawChunk chunk = master.readRaw(end, CHUNK_BYTES);

    byte[] damaged = new byte[chunk.bytes().remaining()];
    chunk.bytes().duplicate().get(damaged);
    ByteBuffer view = ByteBuffer.wrap(damaged);
    int record = 0;
    int records = 1;
    while (inLastRecord && record + view.getInt(record) < damaged.length) {
      record += view.getInt(record);
      records++;
    }
    assertTrue(!inLastRecord || records > 2, "the chunk holds several records, " + records);
    int at = record + spot.offsetIn(view.getInt(record));
    damaged[at] = (byte) ~damaged[at];

    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> replica.appendRaw(end, ByteBuffer.wrap(damaged)).get(10, TimeUnit.SECONDS));
    assertInstanceOf(IOException.class, e.getCause());
    assertEquals(end, replica.confirmedPosition());
    assertTrue(
        LogFiles.isZero(LogFiles.read(replicaSettings, end, damaged.length)),
        "nothing of the chunk written");
    assertEquals(idsBefore, replica.persistenceIds());
    for (String id : idsBefore) {
      for (StoredRecord r : replica.read(id, 1, Long.MAX_VALUE, Long.MAX_VALUE)) {
        assertTrue(r.position() < end, r + " comes from the refused chunk");
      }
    }

    replica.appendRaw(chunk.position(), chunk.bytes()).get(10, TimeUnit.SECONDS);
    copyUntilCaughtUp(master, replica, CHUNK_BYTES);
    assertSameStore(master, masterSettings, replica, replicaSettings);
  }
}
