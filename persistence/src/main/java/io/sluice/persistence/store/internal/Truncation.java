package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.CorruptedRecordException;
import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.StoreSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts the store back for replication: {@link #truncateTo} removes a divergent tail (records a
 * deposed master wrote that its successor never had), {@link #resetTo} empties a replica whose
 * master's retention removed what it lacks. Both take the CommitLog, ConsumeQueues, Index and
 * epoch history to the new end together, as recovery does after a torn write.
 *
 * <p>Thread-safety: the writer thread, between batches, holding the locks that keep checkpoints
 * and retention out.
 */
public final class Truncation {
  private static final Logger log = LoggerFactory.getLogger(Truncation.class);

  private final StoreSettings settings;
  private final CommitLog commitLog;
  private final ConsumeQueues queues;
  private final MessageIndex index;
  private final EpochFile epochs;
  private final RecordCodec codec = new RecordCodec();

  public Truncation(StoreSettings settings, CommitLog commitLog, ConsumeQueues queues, MessageIndex index,
      EpochFile epochs) {
    this.settings = settings;
    this.commitLog = commitLog;
    this.queues = queues;
    this.index = index;
    this.epochs = epochs;
  }

  /**
   * Makes {@code position} the end of the log. The records after it are first copied to {@code
   * divergent/<last epoch>-<position>.log} (forced) for operators; then the log is cut, every
   * ConsumeQueue entry and Index entry pointing at or after it dropped, highest sequence nrs and
   * deletion watermarks lowered to what the remaining log says, and later epochs forgotten.
   *
   * @throws IllegalArgumentException if {@code position} is below the log's start, past its end,
   *     or not a record boundary (nothing is changed)
   * @throws NothingChangedException if the tail could not be kept (nothing is changed)
   */
  public long truncateTo(long position) throws IOException {
    long end = commitLog.confirmedPosition();
    long min = commitLog.minPosition();
    if (position < min || position > end) {
      throw new IllegalArgumentException(
          "cannot truncate to " + position + ": the log holds [" + min + ", " + end + ")");
    }
    if (position == end) {
      return end;
    }
    RecordWalk walk = new RecordWalk(commitLog);
    long lastEpoch = epochs.history().last().map(Epoch::epoch).orElse(0L);
    Path divergent = settings.divergentDir().resolve(lastEpoch + "-" + position + ".log");
    Set<String> deletedInTail;
    Map<String, Long> deletedTo;
    try {
      long segmentBase = commitLog.segmentAt(position).basePosition();
      if (walk.walk(segmentBase, position, (buf, at, p, size) -> { }) != position) {
        throw new IllegalArgumentException("cannot truncate to " + position + ": not a record boundary");
      }
      deletedInTail = copyTail(walk, position, end, divergent);
      deletedTo = deletionsBelow(walk, min, position, deletedInTail);
    } catch (IOException e) {
      throw new NothingChangedException("cannot truncate to " + position + ": " + e.getMessage(), e);
    }

    long discarded = commitLog.truncate(position);
    for (ConsumeQueue cq : queues.all()) {
      String id = cq.persistenceId();
      long deletion = deletedInTail.contains(id) ? deletedTo.getOrDefault(id, 0L) : cq.deletedTo();
      if (cq.cutFrom(position, deletion)) {
        queues.remove(id);
      }
    }
    index.truncateFrom(position);
    epochs.truncateFrom(position);
    epochs.persist();
    log.warn("CommitLog truncated to {}: {} bytes of epoch {} discarded, kept in {}",
        position, discarded, lastEpoch, divergent);
    return position;
  }

  /**
   * Copies the records of [from, to) to {@code file}, forced; returns the ids deleted there. A
   * damaged record ends the copy (the tail goes anyway).
   */
  private Set<String> copyTail(RecordWalk walk, long from, long to, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Set<String> deleted = new HashSet<>();
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      try {
        walk.walk(from, to, (buf, at, position, size) -> {
          ByteBuffer record = buf.duplicate();
          record.limit(at + size).position(at);
          while (record.hasRemaining()) {
            out.write(record);
          }
          if (isDeletionMarker(buf, at, size)) {
            deleted.add(RecordCodec.persistenceIdAt(buf, at));
          }
        });
      } catch (CorruptedRecordException damaged) {
        log.warn("The divergent tail is damaged ({}); {} keeps the records before the damage", damaged.getMessage(), file);
      }
      out.force(true);
    }
    return deleted;
  }

  /** The deletion watermark the log holds below {@code to} for each of {@code ids} that has one. */
  private Map<String, Long> deletionsBelow(RecordWalk walk, long from, long to, Set<String> ids) throws IOException {
    Map<String, Long> deletedTo = new HashMap<>();
    if (!ids.isEmpty()) {
      walk.walk(from, to, (buf, at, position, size) -> {
        if (isDeletionMarker(buf, at, size)) {
          String id = RecordCodec.persistenceIdAt(buf, at);
          if (ids.contains(id)) {
            deletedTo.merge(id, RecordCodec.sequenceNrAt(buf, at), Math::max);
          }
        }
      });
    }
    return deletedTo;
  }

  private boolean isDeletionMarker(ByteBuffer buf, int at, int size) {
    return (RecordCodec.flagsAt(buf, at) & RecordCodec.FLAG_DELETION_MARKER) != 0 && codec.verify(buf, at, size) == null;
  }

  /** A cut that was refused before it changed anything: the store is as it was. */
  public static final class NothingChangedException extends IOException {
    NothingChangedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Empties the store: it continues at {@code position}, a multiple of the segment size (a
   * master's oldest position always is), with the history {@code [(epoch, position)]} (empty for
   * epoch 0). Files go in an order that leaves a prefix of the old log
   * (or an empty one) after a crash, which reopens consistently: checkpoint, epochs, ConsumeQueues
   * and Index first (rebuilt from the log at open), then segments newest first.
   *
   * @throws IllegalArgumentException if {@code position} is not a multiple of the segment size
   */
  public void resetTo(long position, long epoch) throws IOException {
    if (position < 0 || position % commitLog.segmentSize() != 0) {
      throw new IllegalArgumentException("cannot reset to " + position
          + ": not a multiple of segment-size " + commitLog.segmentSize() + " (replicas use their master's)");
    }
    long oldMin = commitLog.minPosition();
    long oldEnd = commitLog.confirmedPosition();
    Files.deleteIfExists(settings.checkpointFile());
    Files.deleteIfExists(settings.epochsFile());
    queues.clear();
    index.clear();
    commitLog.reset(position);
    epochs.clear();
    if (epoch > 0) {
      epochs.observe(epoch, position);
    }
    epochs.persist();
    log.warn("Store reset: the log [{}, {}) was deleted, it continues at {}", oldMin, oldEnd, position);
  }
}
