package io.sluice.bench.raw;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Fixed-size files laid out like CommitLog segments (created sparse at full size with setLength,
 * written with positional writes, the next one started when one is full), so the baselines pay the
 * same block allocation as the engine.
 *
 * <p>Not thread-safe: one writer thread.
 */
final class RawSegments implements AutoCloseable {
  private final Path dir;
  private final long segmentSizeBytes;
  private FileChannel channel;
  private int index;
  private long positionInSegment;

  RawSegments(Path dir, long segmentSizeBytes) throws IOException {
    this.dir = dir;
    this.segmentSizeBytes = segmentSizeBytes;
    this.channel = openNext();
  }

  private FileChannel openNext() throws IOException {
    Path file = dir.resolve(String.format("%020d", (long) index++ * segmentSizeBytes));
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(segmentSizeBytes);
    }
    positionInSegment = 0;
    return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  /** Writes all of {@code src} at the end; starts a new file first if it would not fit. */
  void write(ByteBuffer src) throws IOException {
    if (src.remaining() > segmentSizeBytes - positionInSegment) {
      channel.force(false);
      channel.close();
      channel = openNext();
    }
    while (src.hasRemaining()) {
      positionInSegment += channel.write(src, positionInSegment);
    }
  }

  /** fdatasync of the current file (earlier files were forced when they were closed). */
  void force() throws IOException {
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
