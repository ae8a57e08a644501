package io.sluice.persistence.snapshot.internal;

import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoredRecord;
import io.sluice.persistence.store.internal.RecordCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots as records in a {@link MessageStore}: the snapshots of persistence id {@code p} are the
 * records of the id {@code snapshot|p} (layout in {@link SnapshotRecord}), so they live in the
 * CommitLog, are copied byte for byte by replication and carried forward by retention like any
 * long-lived event.
 *
 * <p>A snapshot is its {@link SnapshotFileFormat} bytes (with their own CRC), cut into chunks that
 * fit {@code max-record-size} and written as one atomic write; so the largest snapshot is one
 * segment. Deleting snapshots that are the oldest under their id deletes their records ({@link
 * MessageStore#deleteTo}); deleting others appends a {@link SnapshotRecord.Deletion}. Reading a
 * snapshot id reads one record per snapshot (its last chunk) plus deletions, newest first, so it
 * is cheap as long as old snapshots are deleted, which Pekko's snapshot retention does.
 *
 * <p>Thread-safety: any thread. Sequence numbers under a snapshot id are handed out under a lock
 * and their write is submitted under it, so concurrent saves of one id never collide.
 */
public final class SnapshotLog {
  /** Prefix of the ids holding snapshots; no entity may use a persistence id starting with it. */
  public static final String ID_PREFIX = "snapshot|";
  /** Pekko's ByteArraySerializer: a query on a snapshot id yields the raw record payloads. */
  private static final int BYTE_ARRAY_SERIALIZER = 4;

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotLog.class);

  private final MessageStore store;
  /** Highest sequence nr handed out per snapshot id whose write is not confirmed yet. */
  private final Map<String, Long> reserved = new HashMap<>();

  public SnapshotLog(MessageStore store) {
    this.store = store;
  }

  /** Converts what was read into what the caller wants; may throw, counting as a failed attempt. */
  @FunctionalInterface
  public interface Reader<T> {
    T read(SnapshotContent content) throws Exception;
  }

  /** A live snapshot found in the log, spanning records {@code firstRecord..lastRecord}. */
  public record Stored(long sequenceNr, long timestamp, long firstRecord, long lastRecord) {
    SnapshotMetadata metadata(String persistenceId) {
      return new SnapshotMetadata(persistenceId, sequenceNr, timestamp);
    }
  }

  /**
   * The live snapshots of an id, newest written first, and what could not be read while looking.
   *
   * @param highestRecord the snapshot id's highest sequence nr when the listing started
   */
  public record Listing(List<Stored> snapshots, List<Exception> unreadable, long highestRecord) {}

  public static String idOf(String persistenceId) {
    return ID_PREFIX + persistenceId;
  }

  /**
   * Saves the snapshot whose {@link SnapshotFileFormat} bytes are {@code encoded}. Completes when
   * it is durable as an append is.
   */
  public CompletableFuture<Void> save(
      String persistenceId, long sequenceNr, long timestamp, ByteBuffer encoded) {
    String id = idOf(persistenceId);
    int overhead = RecordCodec.encodedSize(record(id, 1, new byte[0])) + SnapshotRecord.CHUNK_HEADER_SIZE;
    int pieceMax = store.settings().maxRecordBytes() - overhead;
    int length = encoded.remaining();
    int count = Math.max(1, (int) ((length + (long) pieceMax - 1) / pieceMax));
    long total = (long) count * overhead + length;
    long room = store.settings().segmentSizeBytes() - RecordCodec.END_FILLER_MIN;
    if (total > room) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "snapshot of " + persistenceId + " at sequence nr " + sequenceNr + " is " + length
                  + " bytes serialized (" + total + " in " + count + " records); a snapshot must fit"
                  + " in one CommitLog segment, at most " + room + " bytes (segment-size)"));
    }
    ByteBuffer piece = encoded.duplicate();
    List<byte[]> payloads = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      payloads.add(
          SnapshotRecord.chunk(
              new SnapshotRecord.Chunk(sequenceNr, timestamp, i, count),
              piece,
              Math.min(pieceMax, piece.remaining())));
    }
    return append(id, payloads);
  }

  /**
   * The newest snapshot (highest sequence nr, then timestamp, then latest written) matching {@code
   * criteria}, converted by {@code reader}. An unreadable one is logged as a WARN and the next
   * older one is tried, up to {@code maxAttempts}.
   *
   * @throws IOException if no snapshot could be returned and one could not be read: returning
   *     nothing would make the entity recover from events that may have been deleted
   */
  public <T> Optional<T> load(
      String persistenceId, SnapshotSelectionCriteria criteria, int maxAttempts, Reader<T> reader)
      throws IOException {
    Listing listing = list(persistenceId);
    List<Exception> failures = new ArrayList<>(listing.unreadable());
    List<Stored> candidates =
        listing.snapshots().stream()
            .filter(s -> criteria.matches(s.metadata(persistenceId)))
            .sorted(
                Comparator.comparingLong(Stored::sequenceNr)
                    .thenComparingLong(Stored::timestamp)
                    .thenComparingLong(Stored::lastRecord)
                    .reversed())
            .toList();
    int attempts = 0;
    for (Stored candidate : candidates) {
      if (attempts == maxAttempts) {
        break;
      }
      try {
        return Optional.of(reader.read(read(persistenceId, candidate)));
      } catch (Exception e) {
        attempts++;
        failures.add(e);
        LOG.warn(
            "cannot read the snapshot of {} at sequence nr {} (records {}..{} of {}, failed load"
                + " attempt {} of {}): {}",
            persistenceId, candidate.sequenceNr(), candidate.firstRecord(),
            candidate.lastRecord(), idOf(persistenceId), attempts, maxAttempts, e.toString());
      }
    }
    if (!failures.isEmpty()) {
      IOException failed =
          new IOException(
              "no readable snapshot of " + persistenceId + " in the log after " + attempts
                  + " attempts and " + listing.unreadable().size() + " unreadable records",
              failures.get(0));
      failures.stream().skip(1).forEach(failed::addSuppressed);
      throw failed;
    }
    return Optional.empty();
  }

  /**
   * Deletes the snapshots {@code criteria} match: by deleting their records when they are the
   * oldest of the id (the usual case: Pekko deletes old snapshots), else by a deletion record.
   */
  public CompletableFuture<Void> delete(String persistenceId, SnapshotSelectionCriteria criteria) {
    String id = idOf(persistenceId);
    Listing listing = list(persistenceId);
    List<Stored> oldestFirst = new ArrayList<>(listing.snapshots());
    Collections.reverse(oldestFirst);
    long cut = listing.highestRecord();
    boolean survivorSeen = false;
    boolean deletedBelowCut = false;
    boolean deletedAboveCut = false;
    for (Stored s : oldestFirst) {
      if (criteria.matches(s.metadata(persistenceId))) {
        deletedBelowCut |= !survivorSeen;
        deletedAboveCut |= survivorSeen;
      } else if (!survivorSeen) {
        survivorSeen = true;
        cut = s.firstRecord() - 1;
      }
    }
    CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
    if (deletedBelowCut) {
      done = store.deleteTo(id, cut);
    }
    if (deletedAboveCut) {
      done = done.thenCompose(v -> append(id, List.of(SnapshotRecord.deletion(criteria))));
    }
    return done;
  }

  /**
   * The live snapshots of {@code persistenceId}: walks its snapshot id from the newest record down,
   * reading the last chunk of each snapshot and every deletion, and leaves out what a later
   * deletion hides.
   */
  public Listing list(String persistenceId) {
    String id = idOf(persistenceId);
    long highest = store.highestSequenceNr(id);
    long lowest = store.lowestSequenceNr(id);
    List<Stored> found = new ArrayList<>();
    List<Exception> unreadable = new ArrayList<>();
    List<SnapshotSelectionCriteria> deletions = new ArrayList<>();
    long s = highest;
    while (s >= lowest) {
      SnapshotRecord.Entry entry;
      try {
        List<StoredRecord> records = store.readRetained(id, s, s, 1);
        if (records.isEmpty()) {
          s--;
          continue;
        }
        entry = SnapshotRecord.decode(records.get(0).payload());
      } catch (IOException | IllegalArgumentException e) {
        LOG.warn("cannot read record {} of {}: {}", s, id, e.toString());
        unreadable.add(e);
        s--;
        continue;
      }
      if (entry instanceof SnapshotRecord.Deletion deletion) {
        deletions.add(deletion.criteria());
        s--;
        continue;
      }
      SnapshotRecord.Chunk chunk = (SnapshotRecord.Chunk) entry;
      long first = s - chunk.index();
      // a chunk that is not the last belongs to a snapshot whose last chunk was unreadable
      if (chunk.isLast()) {
        Stored stored = new Stored(chunk.sequenceNr(), chunk.timestamp(), first, s);
        SnapshotMetadata metadata = stored.metadata(persistenceId);
        if (deletions.stream().noneMatch(d -> d.matches(metadata))) {
          found.add(stored);
        }
      }
      s = first - 1;
    }
    return new Listing(List.copyOf(found), List.copyOf(unreadable), highest);
  }

  private SnapshotContent read(String persistenceId, Stored stored) throws IOException {
    String id = idOf(persistenceId);
    int count = (int) (stored.lastRecord() - stored.firstRecord() + 1);
    List<StoredRecord> records = store.read(id, stored.firstRecord(), stored.lastRecord(), count);
    Path source = Path.of(id + "@" + stored.firstRecord());
    if (records.size() != count) {
      throw new IOException(
          "snapshot records " + stored.firstRecord() + ".." + stored.lastRecord() + " of " + id
              + ": only " + records.size() + " of " + count + " are there");
    }
    int length = 0;
    for (int i = 0; i < count; i++) {
      StoredRecord r = records.get(i);
      SnapshotRecord.Entry entry = SnapshotRecord.decode(r.payload());
      if (!entry.equals(new SnapshotRecord.Chunk(stored.sequenceNr(), stored.timestamp(), i, count))) {
        throw new IOException("record " + r.sequenceNr() + " of " + id + " is " + entry
            + ", not chunk " + i + " of " + count + " of the snapshot at " + stored.sequenceNr());
      }
      length += r.payload().length - SnapshotRecord.CHUNK_HEADER_SIZE;
    }
    byte[] bytes = new byte[length];
    int at = 0;
    for (StoredRecord r : records) {
      int n = r.payload().length - SnapshotRecord.CHUNK_HEADER_SIZE;
      System.arraycopy(r.payload(), SnapshotRecord.CHUNK_HEADER_SIZE, bytes, at, n);
      at += n;
    }
    SnapshotContent content = SnapshotFileFormat.decode(source, bytes);
    if (!content.persistenceId().equals(persistenceId)
        || content.sequenceNr() != stored.sequenceNr()
        || content.timestamp() != stored.timestamp()) {
      throw new IOException(
          "snapshot records of " + id + " at " + stored.firstRecord() + " hold a snapshot of "
              + content.persistenceId() + " at " + content.sequenceNr() + "/" + content.timestamp());
    }
    return content;
  }

  /** Appends {@code payloads} as one atomic write at the next sequence nrs of {@code id}. */
  private CompletableFuture<Void> append(String id, List<byte[]> payloads) {
    long last;
    CompletableFuture<Void> written;
    synchronized (reserved) {
      long first = Math.max(store.highestSequenceNr(id), reserved.getOrDefault(id, 0L)) + 1;
      List<EventRecord> records = new ArrayList<>(payloads.size());
      for (int i = 0; i < payloads.size(); i++) {
        records.add(record(id, first + i, payloads.get(i)));
      }
      last = first + payloads.size() - 1;
      reserved.put(id, last);
      // submitted under the lock: the writer takes writes in order, so sequence nrs ascend
      written = store.append(records);
    }
    // a failed write keeps its reservation: the store may count its sequence nrs as used
    return written.thenRun(
        () -> {
          synchronized (reserved) {
            reserved.remove(id, last);
          }
        });
  }

  private static EventRecord record(String id, long sequenceNr, byte[] payload) {
    return new EventRecord(id, sequenceNr, "", List.of(), BYTE_ARRAY_SERIALIZER, "", "", payload);
  }
}
