package io.sluice.persistence.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.RawChunk;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.StoredRecord;
import io.sluice.persistence.store.internal.RecordCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots as records of {@code snapshot|<pid>} in a {@link MessageStore}: chunks, the size limit,
 * deletion (records of the oldest, a deletion record otherwise), fallback past an unreadable
 * snapshot, reopen, retention (live snapshots carried forward, deleted ones not) and a replica made
 * with readRaw/appendRaw.
 */
class SnapshotLogTest {
  private static final String PID = "group|g|orders-0";
  private static final String BASE =
      "flush-mode = sync\n"
          + "checkpoint-interval = 1 h\n"
          + "retention.check-interval = 1 h\n"
          + "max-record-size = 4 KiB\n";

  @TempDir Path dir;
  private final List<MessageStore> opened = new ArrayList<>();

  @AfterEach
  void closeStores() throws IOException {
    for (MessageStore store : opened) {
      store.close();
    }
  }

  private StoreSettings settings(String name, String overrides) {
    return StoreSettings.of(dir.resolve(name), BASE + overrides);
  }

  private MessageStore open(StoreSettings settings) throws IOException {
    MessageStore store = MessageStore.open(settings);
    opened.add(store);
    return store;
  }

  /** A snapshot whose bytes say {@code text}, padded with zeros to {@code sizeBytes}. */
  private static SnapshotContent content(long sequenceNr, String text, int sizeBytes) {
    byte[] bytes = Arrays.copyOf(text.getBytes(StandardCharsets.UTF_8), Math.max(sizeBytes, text.length()));
    return new SnapshotContent(
        PID, sequenceNr, 1_000 + sequenceNr, new SerializedPayload(7, "m", ByteString.fromArray(bytes)),
        Optional.empty());
  }

  private static void save(SnapshotLog log, SnapshotContent c) throws Exception {
    log.save(c.persistenceId(), c.sequenceNr(), c.timestamp(), SnapshotFileFormat.encode(c))
        .get(10, TimeUnit.SECONDS);
  }

  private static Optional<SnapshotContent> latest(SnapshotLog log) throws IOException {
    return log.load(PID, SnapshotSelectionCriteria.latest(), 3, c -> c);
  }

  private static String text(SnapshotContent c) {
    String s = c.snapshot().bytes().utf8String();
    return s.indexOf('\0') < 0 ? s : s.substring(0, s.indexOf('\0'));
  }

  private static List<StoredRecord> records(MessageStore store) throws IOException {
    return store.readRetained(SnapshotLog.idOf(PID), 1, Long.MAX_VALUE, Long.MAX_VALUE);
  }

  @Test
  void cutsALargeSnapshotIntoRecordsOfAtMostMaxRecordSizeAndReadsItBack() throws Exception {
    MessageStore store = open(settings("s", "segment-size = 1 MiB"));
    SnapshotLog log = new SnapshotLog(store);
    SnapshotContent big = content(5, "big", 50_000);

    save(log, big);

    List<StoredRecord> records = records(store);
    assertEquals(13, records.size(), "50,000 bytes in records of at most 4 KiB");
    assertEquals(big, latest(log).orElseThrow());
  }

  @Test
  void refusesASnapshotLargerThanASegmentAndStoresNothing() throws Exception {
    MessageStore store = open(settings("s", "segment-size = 64 KiB"));
    SnapshotLog log = new SnapshotLog(store);

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> save(log, content(5, "huge", 70_000)));
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("must fit in one CommitLog segment"), e.getCause().getMessage());
    assertEquals(0, store.highestSequenceNr(SnapshotLog.idOf(PID)));
    assertEquals(Optional.empty(), latest(log));

    SnapshotContent fits = content(6, "fits", 60_000);
    save(log, fits);
    assertEquals(fits, latest(log).orElseThrow());
  }

  @Test
  void deletingTheOldestSnapshotsDeletesTheirRecords() throws Exception {
    MessageStore store = open(settings("s", "segment-size = 1 MiB"));
    SnapshotLog log = new SnapshotLog(store);
    for (long s = 1; s <= 3; s++) {
      save(log, content(s, "s-" + s, 5_000));
    }
    String id = SnapshotLog.idOf(PID);
    long highest = store.highestSequenceNr(id);

    log.delete(PID, SnapshotSelectionCriteria.create(2, Long.MAX_VALUE)).get(10, TimeUnit.SECONDS);

    assertEquals(highest, store.highestSequenceNr(id), "no deletion record");
    assertEquals(List.of(3L), records(store).stream().map(r -> SnapshotRecord.decode(r.payload()))
        .map(e -> ((SnapshotRecord.Chunk) e).sequenceNr()).distinct().toList());
    assertEquals("s-3", text(latest(log).orElseThrow()));
    assertEquals(Optional.empty(), log.load(PID, SnapshotSelectionCriteria.create(2, Long.MAX_VALUE), 3, c -> c));
  }

  @Test
  void deletingANewerSnapshotWritesADeletionUntilEverythingBelowItGoes() throws Exception {
    MessageStore store = open(settings("s", "segment-size = 1 MiB"));
    SnapshotLog log = new SnapshotLog(store);
    for (long s = 1; s <= 3; s++) {
      save(log, content(s, "s-" + s, 100));
    }
    String id = SnapshotLog.idOf(PID);

    log.delete(PID, new SnapshotSelectionCriteria(3, Long.MAX_VALUE, 3, 0)).get(10, TimeUnit.SECONDS);
    assertEquals(4, store.highestSequenceNr(id), "one deletion record after three snapshots");
    assertEquals("s-2", text(latest(log).orElseThrow()));

    log.delete(PID, SnapshotSelectionCriteria.latest()).get(10, TimeUnit.SECONDS);
    assertEquals(List.of(), records(store), "every record deleted, the deletion too");
    assertEquals(Optional.empty(), latest(log));

    save(log, content(9, "s-nine", 100));
    assertEquals("s-nine", text(latest(log).orElseThrow()));
  }

  @Test
  void fallsBackToTheOlderSnapshotWhenTheNewestIsCorruptAndFailsWhenNoneIsReadable() throws Exception {
    StoreSettings settings = settings("s", "segment-size = 1 MiB");
    MessageStore store = open(settings);
    SnapshotLog log = new SnapshotLog(store);
    save(log, content(1, "older", 6_000));
    save(log, content(2, "newest", 6_000));
    List<StoredRecord> records = records(store);

    // the first chunk of the newest: the listing reads its last chunk, the load finds the damage
    flip(settings, records.get(2).position() + 100);
    assertEquals("older", text(latest(log).orElseThrow()));

    flip(settings, records.get(0).position() + 100);
    IOException e = assertThrows(IOException.class, () -> latest(log));
    assertTrue(e.getMessage().contains("no readable snapshot of " + PID), e.getMessage());
  }

  @Test
  void concurrentSavesOfOneIdAllSucceed() throws Exception {
    MessageStore store = open(settings("s", "segment-size = 1 MiB"));
    SnapshotLog log = new SnapshotLog(store);
    List<java.util.concurrent.CompletableFuture<Void>> saves = new ArrayList<>();
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      for (long s = 1; s <= 40; s++) {
        SnapshotContent c = content(s, "s-" + s, 5_000);
        saves.add(java.util.concurrent.CompletableFuture.supplyAsync(
            () -> log.save(PID, c.sequenceNr(), c.timestamp(), SnapshotFileFormat.encode(c)), threads)
            .thenCompose(f -> f));
      }
      for (var save : saves) {
        save.get(10, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdown();
    }
    assertEquals(40, log.list(PID).snapshots().size());
    assertEquals("s-40", text(latest(log).orElseThrow()));
  }

  @Test
  void snapshotsSurviveAReopen() throws Exception {
    StoreSettings settings = settings("s", "segment-size = 1 MiB");
    SnapshotContent saved = content(4, "kept", 9_000);
    try (MessageStore store = MessageStore.open(settings)) {
      save(new SnapshotLog(store), content(3, "old", 9_000));
      save(new SnapshotLog(store), saved);
    }
    MessageStore reopened = open(settings);
    assertEquals(saved, latest(new SnapshotLog(reopened)).orElseThrow());
  }

  @Test
  void liveSnapshotsSurviveRetentionAndDeletedOnesAreNotCarriedForward() throws Exception {
    StoreSettings settings =
        settings("s", "segment-size = 8 KiB\n"
            + "retention { disk-usage-ratio = 0.90, expendable-id-prefixes = [\"queue|\"] }\n"
            + "disk-limits { max-used-ratio = 1.0, hard-max-used-ratio = 1.0 }");
    long queueSeq = 0;
    // the disk always looks 95% full: every run deletes every segment but the active one
    try (MessageStore store = MessageStore.open(settings, Clock.systemUTC(), () -> 0.95)) {
      SnapshotLog log = new SnapshotLog(store);
      save(log, content(1, "first", 3_000));
      queueSeq = messages(store, queueSeq, 2);
      save(log, content(2, "second", 3_000));
      log.delete(PID, SnapshotSelectionCriteria.create(1, Long.MAX_VALUE)).get(10, TimeUnit.SECONDS);
      for (int round = 0; round < 3; round++) {
        queueSeq = messages(store, queueSeq, 2);
        store.runRetention();
        assertTrue(store.minPosition() > 0, "segments were deleted");
        assertEquals("second", text(latest(log).orElseThrow()));
        assertEquals(1, liveSnapshots(store));
        assertEquals(List.of(2L), snapshotsInTheLog(store), "the deleted snapshot is not carried forward");
      }
    }
    try (MessageStore store = MessageStore.open(settings, Clock.systemUTC(), () -> 0.0)) {
      assertEquals("second", text(latest(new SnapshotLog(store)).orElseThrow()));
      assertEquals(1, liveSnapshots(store));
    }
  }

  @Test
  void aReplicaMadeWithReadRawAndAppendRawLoadsTheSameSnapshots() throws Exception {
    MessageStore master = open(settings("master", "segment-size = 64 KiB"));
    MessageStore replica = open(settings("replica", "segment-size = 64 KiB"));
    SnapshotLog masterLog = new SnapshotLog(master);
    SnapshotContent newest = content(7, "newest", 20_000);
    save(masterLog, content(6, "older", 20_000));
    messages(master, 0, 3);
    save(masterLog, newest);
    masterLog.delete(PID, SnapshotSelectionCriteria.create(6, Long.MAX_VALUE)).get(10, TimeUnit.SECONDS);

    copy(master, replica);

    SnapshotLog replicaLog = new SnapshotLog(replica);
    assertEquals(newest, latest(replicaLog).orElseThrow());
    assertEquals(Optional.empty(), replicaLog.load(PID, SnapshotSelectionCriteria.create(6, Long.MAX_VALUE), 3, c -> c));
  }

  /** Copies the master's confirmed log to the replica, as a slave does. */
  static void copy(MessageStore master, MessageStore replica) throws Exception {
    long position = replica.confirmedPosition();
    while (true) {
      RawChunk chunk = master.readRaw(position, 16 * 1024);
      if (!chunk.bytes().hasRemaining()) {
        if (chunk.nextPosition() == position) {
          return;
        }
        position = chunk.nextPosition();
        continue;
      }
      position = replica.appendRaw(chunk.position(), chunk.bytes()).get(10, TimeUnit.SECONDS);
    }
  }

  private static long liveSnapshots(MessageStore store) throws IOException {
    return records(store).stream()
        .map(r -> SnapshotRecord.decode(r.payload()))
        .filter(e -> e instanceof SnapshotRecord.Chunk c && c.isLast())
        .count();
  }

  /** The sequence nrs of the snapshot chunks physically in the log, live or not, in log order. */
  private static List<Long> snapshotsInTheLog(MessageStore store) throws IOException {
    List<Long> found = new ArrayList<>();
    long position = store.minPosition();
    while (true) {
      RawChunk chunk = store.readRaw(position, 64 * 1024);
      if (!chunk.bytes().hasRemaining()) {
        if (chunk.nextPosition() == position) {
          return found;
        }
        position = chunk.nextPosition();
        continue;
      }
      ByteBuffer buf = chunk.bytes();
      for (int at = buf.position(); at < buf.limit() && RecordCodec.magicAt(buf, at) == RecordCodec.RECORD_MAGIC;
          at += RecordCodec.sizeAt(buf, at)) {
        boolean marker = (RecordCodec.flagsAt(buf, at) & RecordCodec.FLAG_DELETION_MARKER) != 0;
        if (!marker && RecordCodec.persistenceIdAt(buf, at).equals(SnapshotLog.idOf(PID))) {
          StoredRecord r = RecordCodec.decode(buf, at, position + at - buf.position());
          found.add(((SnapshotRecord.Chunk) SnapshotRecord.decode(r.payload())).sequenceNr());
        }
      }
      position = chunk.nextPosition();
    }
  }

  /** Queue messages enough to fill {@code segments} 8 KiB segments. */
  private static long messages(MessageStore store, long queueSeq, int segments) throws Exception {
    for (int i = 0; i < segments * 8; i++) {
      store.append(List.of(new EventRecord("queue|t-0", ++queueSeq, "w", List.of(), 4, "", "", new byte[1000])))
          .get(10, TimeUnit.SECONDS);
    }
    return queueSeq;
  }

  private static void flip(StoreSettings settings, long position) throws IOException {
    long base = position / settings.segmentSizeBytes() * settings.segmentSizeBytes();
    Path file = settings.commitLogDir().resolve(String.format("%020d", base));
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, position - base);
      b.put(0, (byte) ~b.get(0)).rewind();
      ch.write(b, position - base);
    }
  }
}
