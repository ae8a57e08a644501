package io.sluice.persistence.store.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One CommitLog segment file: a fixed-size file named by its base position (20 digits), holding
 * the log bytes [base, base + size).
 *
 * <p>Positional reads and writes are thread-safe (FileChannel pread/pwrite); only the writer thread
 * writes.
 */
public final class Segment {
  private final Path file;
  private final long basePosition;
  private final long size;
  private final FileChannel channel;

  private Segment(Path file, long basePosition, long size, FileChannel channel) {
    this.file = file;
    this.basePosition = basePosition;
    this.size = size;
    this.channel = channel;
  }

  public static String fileName(long basePosition) {
    return String.format("%020d", basePosition);
  }

  /**
   * Creates the file at its full size (sparse where the filesystem allows) or opens it. An empty
   * file is sized too: a crash between creating a segment and sizing it leaves one, and it holds nothing.
   */
  public static Segment open(Path dir, long basePosition, long size) throws IOException {
    Path file = dir.resolve(fileName(basePosition));
    if (!Files.exists(file) || Files.size(file) == 0) {
      try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
        raf.setLength(size);
      }
    } else if (Files.size(file) != size) {
      throw new IOException(
          "segment " + file + " has " + Files.size(file) + " bytes, configured segment-size is " + size);
    }
    FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new Segment(file, basePosition, size, channel);
  }

  public Path file() {
    return file;
  }

  public long basePosition() {
    return basePosition;
  }

  public long endPosition() {
    return basePosition + size;
  }

  public long size() {
    return size;
  }

  /** Writes all of {@code src} at log position {@code position}. */
  public void write(ByteBuffer src, long position) throws IOException {
    long at = position - basePosition;
    while (src.hasRemaining()) {
      at += channel.write(src, at);
    }
  }

  /** Reads until {@code dst} is full or the segment ends; returns bytes read. */
  public int read(ByteBuffer dst, long position) throws IOException {
    long at = position - basePosition;
    int total = 0;
    while (dst.hasRemaining() && at < size) {
      int n = channel.read(dst, at);
      if (n < 0) {
        break;
      }
      at += n;
      total += n;
    }
    return total;
  }

  public void force() throws IOException {
    channel.force(false);
  }

  public void close() throws IOException {
    channel.close();
  }

  public void closeAndDelete() throws IOException {
    channel.close();
    Files.deleteIfExists(file);
  }
}
