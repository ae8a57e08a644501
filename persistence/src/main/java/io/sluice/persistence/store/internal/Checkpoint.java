package io.sluice.persistence.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * What recovery may trust: every ConsumeQueue entry and Index entry for records below {@code
 * position} was forced to disk, and the CommitLog was forced up to it. Big-endian, 32 bytes:
 *
 * <pre>
 *  0  4  magic      4  4  CRC32C of bytes [8, 32)
 *  8  8  position  16  8  number of ConsumeQueues   24  8  epoch ms written
 * </pre>
 *
 * Written to a temporary file, forced, then renamed over the old one.
 */
public record Checkpoint(long position, long consumeQueueCount, long writtenAtMs) {
  private static final int MAGIC = 0x5C1CEC4B;
  private static final int SIZE = 32;

  /** Reads the checkpoint, or null if there is none or it fails its CRC. */
  public static Checkpoint read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file));
    if (buf.remaining() != SIZE || buf.getInt(0) != MAGIC || buf.getInt(4) != crc(buf)) {
      return null;
    }
    return new Checkpoint(buf.getLong(8), buf.getLong(16), buf.getLong(24));
  }

  public void write(Path file) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(SIZE);
    buf.putInt(0, MAGIC).putLong(8, position).putLong(16, consumeQueueCount).putLong(24, writtenAtMs);
    buf.putInt(4, crc(buf));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static int crc(ByteBuffer buf) {
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 8, SIZE - 8);
    return (int) crc.getValue();
  }
}
