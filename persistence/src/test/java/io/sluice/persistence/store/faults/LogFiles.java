package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.StoreSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Damages and inspects a closed store's CommitLog segment files by log position, the way a disk, a
 * torn write or an operator would.
 */
final class LogFiles {
  private LogFiles() {}

  /**
   * Places in a record to damage, from the layout documented in {@code RecordCodec}: size at 0,
   * magic at 4, CRC at 8, flags at 12, sequence nr at 13, persistence id bytes from 43; the payload
   * ends the record.
   */
  enum Spot {
    SIZE(3),
    MAGIC(5),
    CRC(9),
    FLAGS(12),
    SEQUENCE_NR(20),
    PERSISTENCE_ID(43),
    PAYLOAD(-1);

    private final int offset;

    Spot(int offset) {
      this.offset = offset;
    }

    int offsetIn(int recordSizeBytes) {
      return offset < 0 ? recordSizeBytes - 1 : offset;
    }
  }

  static Path segmentFile(StoreSettings settings, long position) {
    long base = position / settings.segmentSizeBytes() * settings.segmentSizeBytes();
    return settings.commitLogDir().resolve(String.format("%020d", base));
  }

  static List<Path> segmentFiles(StoreSettings settings) throws IOException {
    try (Stream<Path> files = Files.list(settings.commitLogDir())) {
      return files.filter(f -> f.getFileName().toString().matches("\\d{20}")).sorted().toList();
    }
  }

  /** Inverts every bit of the byte at {@code position}. */
  static void flip(StoreSettings settings, long position) throws IOException {
    byte[] b = read(settings, position, 1);
    b[0] = (byte) ~b[0];
    write(settings, position, b);
  }

  /** Inverts every bit of byte {@code offset} of {@code file}. */
  static void flipFile(Path file, int offset) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[offset] = (byte) ~bytes[offset];
    Files.write(file, bytes);
  }

  static void zero(StoreSettings settings, long position, int length) throws IOException {
    write(settings, position, new byte[length]);
  }

  static void write(StoreSettings settings, long position, byte[] bytes) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file(settings, position, bytes.length), StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      long at = offset(settings, position);
      while (buf.hasRemaining()) {
        at += ch.write(buf, at);
      }
    }
  }

  static byte[] read(StoreSettings settings, long position, int length) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file(settings, position, length), StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(length);
      long at = offset(settings, position);
      while (buf.hasRemaining()) {
        int n = ch.read(buf, at);
        if (n < 0) {
          throw new IOException("segment ends before " + (position + length));
        }
        at += n;
      }
      return buf.array();
    }
  }

  static boolean isZero(byte[] bytes) {
    for (byte b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static Path file(StoreSettings settings, long position, int length) {
    assertTrue(
        offset(settings, position) + length <= settings.segmentSizeBytes(),
        "range " + position + "+" + length + " crosses a segment end");
    return segmentFile(settings, position);
  }

  private static long offset(StoreSettings settings, long position) {
    return position % settings.segmentSizeBytes();
  }
}
