package io.sluice.persistence.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only log of all events: contiguous fixed-size {@link Segment}s addressed by a
 * physical position that runs across them.
 *
 * <p>Thread-safety: only the writer thread appends, rolls and truncates; retention removes the
 * oldest segments; any thread reads below {@link #confirmedPosition()}.
 */
public final class CommitLog {
  private static final Logger log = LoggerFactory.getLogger(CommitLog.class);

  private final Path dir;
  private final long segmentSize;
  /** Copy-on-write so readers never lock; segments are contiguous, so lookup is arithmetic. */
  private volatile Segment[] segments;
  /** Serializes changes of {@link #segments}: the writer grows and cuts it, retention drops its oldest. */
  private final Object segmentsLock = new Object();

  private long writePosition;
  /** Writer thread: the end of the furthest write attempted, which a rollback must zero up to. */
  private long attemptedEnd;
  private volatile long confirmedPosition;
  private volatile long flushedPosition;

  private CommitLog(Path dir, long segmentSize, Segment[] segments) {
    this.dir = dir;
    this.segmentSize = segmentSize;
    this.segments = segments;
  }

  /** Opens the segments in {@code dir}, creating the first one if the log is empty. */
  public static CommitLog open(Path dir, long segmentSize) throws IOException {
    Files.createDirectories(dir);
    List<Long> bases = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (name.matches("\\d{20}")) {
          bases.add(Long.parseLong(name));
        }
      }
    }
    bases.sort(null);
    List<Segment> opened = new ArrayList<>();
    for (int i = 0; i < bases.size(); i++) {
      long base = bases.get(i);
      if (base % segmentSize != 0) {
        throw new IOException("segment " + dir.resolve(Segment.fileName(base))
            + " does not start at a multiple of segment-size " + segmentSize);
      }
      if (i > 0 && base != bases.get(i - 1) + segmentSize) {
        throw new IOException("CommitLog segment missing before " + dir.resolve(Segment.fileName(base)));
      }
      opened.add(Segment.open(dir, base, segmentSize));
    }
    if (opened.isEmpty()) {
      opened.add(Segment.open(dir, 0, segmentSize));
    }
    CommitLog commitLog = new CommitLog(dir, segmentSize, opened.toArray(new Segment[0]));
    commitLog.writePosition = commitLog.minPosition();
    return commitLog;
  }

  public long segmentSize() {
    return segmentSize;
  }

  public long minPosition() {
    return segments[0].basePosition();
  }

  public long writePosition() {
    return writePosition;
  }

  /** Everything below this is written (and, with sync flush, forced) and may be read. */
  public long confirmedPosition() {
    return confirmedPosition;
  }

  public void confirm(long position) {
    confirmedPosition = position;
  }

  public Segment[] segments() {
    return segments;
  }

  /** The segment holding {@code position}, or null if retention removed it or it does not exist. */
  public Segment segmentAt(long position) {
    Segment[] current = segments;
    long index = (position - current[0].basePosition()) / segmentSize;
    if (position < current[0].basePosition() || index >= current.length) {
      return null;
    }
    return current[(int) index];
  }

  public Segment activeSegment() {
    Segment[] current = segments;
    return current[current.length - 1];
  }

  /** Writer thread: appends {@code src} at the write position; the caller checked it fits. */
  public void append(ByteBuffer src) throws IOException {
    int n = src.remaining();
    attemptedEnd = Math.max(attemptedEnd, writePosition + n);
    activeSegment().write(src, writePosition);
    writePosition += n;
  }

  /**
   * Writer thread: undoes the writes of a failed batch that started at {@code position} (the
   * confirmed end): segments it opened are deleted and the bytes it wrote are zeroed and forced,
   * so that recovery can never take them for records. Readers never saw them (all lie at or above
   * the confirmed position).
   */
  public void rollback(long position) throws IOException {
    Segment last;
    synchronized (segmentsLock) {
      Segment[] current = segments;
      int keep = 1;
      while (keep < current.length && current[keep].basePosition() < position) {
        keep++;
      }
      for (int i = keep; i < current.length; i++) {
        current[i].closeAndDelete();
      }
      segments = Arrays.copyOf(current, keep);
      last = current[keep - 1];
    }
    zeroWritten(last, position, Math.min(last.endPosition(), Math.max(attemptedEnd, position)));
    last.force();
    writePosition = position;
    attemptedEnd = position;
    flushedPosition = Math.min(flushedPosition, position);
    log.warn("CommitLog: a failed write was undone, the log ends at {} again", position);
  }

  /**
   * Zeroes the non-zero bytes of [from, to): only blocks holding written bytes are rewritten, so
   * this needs no new disk space (it runs when the disk may be full).
   */
  private static void zeroWritten(Segment segment, long from, long to) throws IOException {
    ByteBuffer block = ByteBuffer.allocate(64 * 1024);
    ByteBuffer zeros = ByteBuffer.allocate(block.capacity());
    for (long at = from; at < to; ) {
      block.clear().limit((int) Math.min(block.capacity(), to - at));
      int n = segment.read(block, at);
      if (n <= 0) {
        break;
      }
      int lastNonZero = lastNonZero(block, n);
      if (lastNonZero >= 0) {
        zeros.clear().limit(lastNonZero + 1);
        segment.write(zeros, at);
      }
      at += n;
    }
  }

  /**
   * Writer thread: fills the rest of the active segment with an end-of-segment marker and starts
   * the next segment.
   */
  public void roll() throws IOException {
    Segment active = activeSegment();
    long remaining = active.endPosition() - writePosition;
    if (remaining >= RecordCodec.END_FILLER_MIN) {
      ByteBuffer filler = ByteBuffer.allocate(RecordCodec.END_FILLER_MIN);
      filler.putInt((int) remaining).putInt(RecordCodec.END_MAGIC).flip();
      attemptedEnd = Math.max(attemptedEnd, writePosition + RecordCodec.END_FILLER_MIN);
      active.write(filler, writePosition);
    }
    Segment next = Segment.open(dir, active.endPosition(), segmentSize);
    synchronized (segmentsLock) {
      Segment[] current = segments;
      Segment[] grown = Arrays.copyOf(current, current.length + 1);
      grown[current.length] = next;
      segments = grown;
    }
    writePosition = next.basePosition();
    log.info("CommitLog rolled to segment {}", next.file());
  }

  /**
   * Reads from {@code position} until {@code dst} is full or the segment ends.
   *
   * @throws PositionRemovedException if retention removed the segment
   */
  public int read(ByteBuffer dst, long position) throws IOException {
    Segment segment = segmentAt(position);
    if (segment == null) {
      throw new PositionRemovedException(position, minPosition());
    }
    try {
      return segment.read(dst, position);
    } catch (ClosedChannelException e) {
      throw new PositionRemovedException(position, minPosition());
    }
  }

  /** Forces every segment holding bytes between the last flush and {@code upTo}. */
  public synchronized void force(long upTo) throws IOException {
    long from = flushedPosition;
    if (upTo <= from) {
      return;
    }
    for (Segment s : segments) {
      if (s.endPosition() > from && s.basePosition() < upTo) {
        s.force();
      }
    }
    flushedPosition = upTo;
  }

  /**
   * Recovery, or the writer thread cutting a divergent tail: makes {@code position} the end of the
   * log. Bytes after it in its segment are zeroed up to the first all-zero block, and later
   * segments are deleted (newest first, so a crash leaves a prefix of the log). Returns how many
   * non-zero bytes were discarded.
   */
  public long truncate(long position) throws IOException {
    if (position == activeSegment().endPosition()) {
      writePosition = position;
      confirmedPosition = position;
      return 0;
    }
    Segment target = segmentAt(position);
    if (target == null) {
      throw new IOException("cannot truncate CommitLog to " + position + ": no segment holds it");
    }
    long discarded = 0;
    synchronized (segmentsLock) {
      Segment[] current = segments;
      int keep = (int) ((target.basePosition() - current[0].basePosition()) / segmentSize) + 1;
      for (int i = current.length - 1; i >= keep; i--) {
        log.warn("CommitLog: deleting segment {} after the new end {}", current[i].file(), position);
        discarded += current[i].size();
        current[i].closeAndDelete();
      }
      segments = Arrays.copyOf(current, keep);
    }
    discarded += zeroDirtyTail(target, position);
    writePosition = position;
    confirmedPosition = position;
    flushedPosition = Math.min(flushedPosition, position);
    return discarded;
  }

  /** Zeroes from {@code from} through the last non-zero byte before an all-zero block. */
  private static long zeroDirtyTail(Segment segment, long from) throws IOException {
    ByteBuffer block = ByteBuffer.allocate(64 * 1024);
    long at = from;
    long dirtyEnd = from;
    while (at < segment.endPosition()) {
      block.clear();
      int n = segment.read(block, at);
      int lastNonZero = lastNonZero(block, n);
      if (lastNonZero < 0) {
        break;
      }
      dirtyEnd = at + lastNonZero + 1;
      at += n;
    }
    ByteBuffer zeros = ByteBuffer.allocate(block.capacity());
    for (long p = from; p < dirtyEnd; p += zeros.capacity()) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), dirtyEnd - p));
      segment.write(zeros, p);
    }
    segment.force();
    return dirtyEnd - from;
  }

  private static int lastNonZero(ByteBuffer block, int n) {
    for (int i = n - 1; i >= 0; i--) {
      if (block.get(i) != 0) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Retention: removes the oldest segment. Readers in flight on it see {@link
   * PositionRemovedException}. Never removes the active segment.
   */
  public Segment removeOldest() throws IOException {
    synchronized (segmentsLock) {
      Segment[] current = segments;
      if (current.length < 2) {
        return null;
      }
      Segment oldest = current[0];
      segments = Arrays.copyOfRange(current, 1, current.length);
      oldest.closeAndDelete();
      return oldest;
    }
  }

  /**
   * Writer thread: deletes every segment (newest first, so a crash leaves a prefix of the log) and
   * starts an empty log at {@code position}, a multiple of the segment size.
   */
  public void reset(long position) throws IOException {
    if (position % segmentSize != 0) {
      throw new IllegalArgumentException(
          "cannot reset the CommitLog to " + position + ": not a multiple of segment-size " + segmentSize);
    }
    synchronized (segmentsLock) {
      Segment[] current = segments;
      for (int i = current.length - 1; i >= 0; i--) {
        current[i].closeAndDelete();
      }
      segments = new Segment[] {Segment.open(dir, position, segmentSize)};
    }
    writePosition = position;
    attemptedEnd = position;
    confirmedPosition = position;
    flushedPosition = position;
    log.warn("CommitLog reset: it is empty and starts at {}", position);
  }

  public void close() throws IOException {
    for (Segment s : segments) {
      s.close();
    }
  }
}
