package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.CorruptedRecordException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Walks the records of the CommitLog forward from a record boundary, stepping over end-of-segment
 * fillers and tails too small for one, reading through a window so that small records cost no
 * read each. Records are not verified; visitors verify what they rely on.
 *
 * <p>Thread-safety: one caller; the walked range must not change meanwhile (the writer thread).
 */
final class RecordWalk {
  private static final int WINDOW_BYTES = 1024 * 1024;

  @FunctionalInterface
  interface Visitor {
    /** The record of {@code size} bytes at log position {@code position}, held in {@code buf} at {@code at}. */
    void record(ByteBuffer buf, int at, long position, int size) throws IOException;
  }

  private final CommitLog commitLog;
  private final SegmentWindow window = new SegmentWindow(WINDOW_BYTES, false);

  RecordWalk(CommitLog commitLog) {
    this.commitLog = commitLog;
  }

  /**
   * Visits the records from {@code from} while they start below {@code to}; returns where the walk
   * stopped, the first record boundary at or after {@code to}.
   *
   * @throws CorruptedRecordException if a record header is implausible
   * @throws PositionRemovedException if retention removed a segment of the range
   */
  long walk(long from, long to, Visitor visitor) throws IOException {
    long position = from;
    while (position < to) {
      Segment segment = commitLog.segmentAt(position);
      if (segment == null) {
        throw new PositionRemovedException(position, commitLog.minPosition());
      }
      long room = segment.endPosition() - position;
      if (room < RecordCodec.PREAMBLE_SIZE) {
        position = segment.endPosition();
        continue;
      }
      int at = window.view(segment, position, RecordCodec.PREAMBLE_SIZE);
      int size = RecordCodec.sizeAt(window.buffer(), at);
      int magic = RecordCodec.magicAt(window.buffer(), at);
      if (magic == RecordCodec.END_MAGIC && size == room) {
        position = segment.endPosition();
        continue;
      }
      if (magic != RecordCodec.RECORD_MAGIC || size < RecordCodec.VARIABLE_OFFSET || size > room) {
        throw new CorruptedRecordException(segment.file(), position, "no record header");
      }
      at = window.view(segment, position, size);
      visitor.record(window.buffer(), at, position, size);
      position += size;
    }
    return position;
  }
}
