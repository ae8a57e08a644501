package io.sluice.persistence.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A read-ahead window over CommitLog segments for forward walks, so that small records cost no
 * read each: {@link #view} makes a byte range available in {@link #buffer()} and returns its index.
 *
 * <p>Thread-safety: one caller.
 */
final class SegmentWindow {
  private final boolean direct;
  private ByteBuffer buffer;
  private Segment segment;
  private long start;
  private int length;

  SegmentWindow(int bytes, boolean direct) {
    this.direct = direct;
    this.buffer = allocate(bytes);
  }

  /** The buffer holding the last viewed range; replaced when a range exceeds its capacity. */
  ByteBuffer buffer() {
    return buffer;
  }

  /**
   * Makes bytes [position, position + length) of {@code segment} available in {@link #buffer()}
   * and returns their index there.
   */
  int view(Segment segment, long position, int length) throws IOException {
    boolean inWindow =
        segment == this.segment && position >= start && position + length <= start + this.length;
    if (!inWindow) {
      if (length > buffer.capacity()) {
        buffer = allocate(length);
      }
      buffer.clear();
      buffer.limit((int) Math.min(buffer.capacity(), segment.endPosition() - position));
      this.length = segment.read(buffer, position);
      this.segment = segment;
      this.start = position;
      if (this.length < length) {
        throw new IOException("short read of " + segment.file() + " at " + position);
      }
    }
    return (int) (position - start);
  }

  private ByteBuffer allocate(int bytes) {
    return direct ? ByteBuffer.allocateDirect(bytes) : ByteBuffer.allocate(bytes);
  }
}
