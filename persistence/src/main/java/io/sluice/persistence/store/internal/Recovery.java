package io.sluice.persistence.store.internal;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the CommitLog, ConsumeQueues and Index back to one consistent end after a crash. It
 * scans from the checkpoint, verifies every record's CRC and redoes its ConsumeQueue and Index
 * entries. It stops at the end of the log, at the first record that fails a check (a torn or
 * corrupted tail), or at an atomic write that lacks its last record; the log is truncated to the
 * end of the last complete atomic write and entries pointing past it are dropped. Records below
 * the checkpoint are trusted here and verified whenever they are read.
 *
 * <p>Runs single-threaded, before the writer starts.
 */
public final class Recovery {
  private static final Logger log = LoggerFactory.getLogger(Recovery.class);
  private static final int WINDOW_BYTES = 4 * 1024 * 1024;

  private final CommitLog commitLog;
  private final LogIndexer indexer;
  private final RecordCodec codec = new RecordCodec();
  private final SegmentWindow window = new SegmentWindow(WINDOW_BYTES, true);

  public Recovery(CommitLog commitLog, LogIndexer indexer) {
    this.commitLog = commitLog;
    this.indexer = indexer;
  }

  /**
   * What recovery did.
   *
   * @param scannedFrom where the scan started
   * @param end the recovered end of the log
   * @param discardedBytes bytes after {@code end} that were truncated (zeroed or in deleted segments)
   * @param records records verified and indexed
   */
  public record Result(long scannedFrom, long end, long discardedBytes, long records) {}

  /**
   * Redoes ConsumeQueue entries of records at or after {@code consumeQueueFrom}, and Index entries
   * of records at or after {@code indexFrom} that lie after {@code lastIndexedPosition} (the start
   * of the last record the Index holds, so no entry is added twice). EpochStart records are passed
   * to the epoch history from {@code epochsFrom} on (re-reading one it holds is harmless).
   */
  public Result run(long consumeQueueFrom, long indexFrom, long lastIndexedPosition, long epochsFrom)
      throws IOException {
    long from = Math.max(commitLog.minPosition(), Math.min(epochsFrom, Math.min(consumeQueueFrom, indexFrom)));
    boolean logStartsAtZero = commitLog.minPosition() == 0;
    long position = from;
    long end = from;
    long records = 0;
    String stopReason = null;
    while (true) {
      Segment segment = commitLog.segmentAt(position);
      if (segment == null) {
        break;
      }
      boolean last = segment == commitLog.activeSegment();
      long room = segment.endPosition() - position;
      int at = room < RecordCodec.PREAMBLE_SIZE ? -1 : window.view(segment, position, RecordCodec.PREAMBLE_SIZE);
      int size = at < 0 ? 0 : RecordCodec.sizeAt(window.buffer(), at);
      int magic = at < 0 ? 0 : RecordCodec.magicAt(window.buffer(), at);
      boolean blank = size == 0 && magic == 0;
      boolean endMarker = magic == RecordCodec.END_MAGIC && size == room;
      if (blank || endMarker) {
        if (position != end) {
          stopReason = "atomic write starting at " + end + " has no last record";
          break;
        }
        if (last) {
          break;
        }
        if (blank && room >= RecordCodec.PREAMBLE_SIZE) {
          // Bytes lost before a later segment (an OS crash wrote out of order): the log must stay
          // a prefix, so it ends here and later segments go.
          stopReason = "segment " + segment.file() + " has no end marker at " + position;
          break;
        }
        position = segment.endPosition();
        end = position;
        continue;
      }
      if (magic != RecordCodec.RECORD_MAGIC || size < RecordCodec.PREAMBLE_SIZE || size > room) {
        stopReason = "no valid record header in " + segment.file() + " at log position " + position;
        break;
      }
      at = window.view(segment, position, size);
      String invalid = codec.verify(window.buffer(), at, size);
      if (invalid != null) {
        stopReason = "record in " + segment.file() + " at log position " + position + ": " + invalid;
        break;
      }
      indexer.indexVerified(
          window.buffer(),
          at,
          position,
          position >= consumeQueueFrom,
          position >= indexFrom && position > lastIndexedPosition,
          logStartsAtZero);
      records++;
      position += size;
      if ((RecordCodec.flagsAt(window.buffer(), at) & RecordCodec.FLAG_LAST_IN_WRITE) != 0) {
        end = position;
      }
    }
    if (stopReason == null && position != end) {
      stopReason = "atomic write starting at " + end + " has no last record";
    }
    long discarded = Math.max(position - end, commitLog.truncate(end));
    if (stopReason != null) {
      log.warn("Recovery truncated the CommitLog at {}, discarding {} bytes: {}", end, discarded, stopReason);
    }
    return new Result(from, end, discarded, records);
  }
}
