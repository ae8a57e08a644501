package io.sluice.persistence.snapshot.internal;

import io.sluice.persistence.snapshot.CorruptSnapshotException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.apache.pekko.util.ByteString;

/**
 * Encodes and decodes the content of one snapshot file. All numbers are big-endian.
 *
 * <pre>
 * offset  size  field
 *      0     4  magic 0x534C5350 ("SLSP")
 *      4     2  format version, 1
 *      6     4  CRC32C of every byte from offset 10 to the end of the file
 *     10     4  body length N; the file is exactly 14 + N bytes
 *     14     N  body:
 *                 8  sequence nr
 *                 8  timestamp, epoch milliseconds
 *                 4  persistence id length I, then I bytes of UTF-8
 *                 1  flags: bit 0 set when a metadata payload follows the snapshot payload
 *                 payload (the snapshot), then payload (the metadata) if flag bit 0:
 *                   4  Pekko serializer id
 *                   4  manifest length M, then M bytes of UTF-8 (0 for no manifest)
 *                   4  byte count B, then the B bytes the serializer produced
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class SnapshotFileFormat {

  public static final int MAGIC = 0x534C5350;
  public static final short VERSION = 1;
  public static final int HEADER_SIZE = 14;
  static final int CRC_OFFSET = 6;
  static final int CRC_START = 10;
  private static final int FLAG_METADATA = 1;

  private SnapshotFileFormat() {}

  /** The whole file's bytes, ready to write from position 0. */
  public static ByteBuffer encode(SnapshotContent content) {
    byte[] pid = SnapshotFileName.strictUtf8(content.persistenceId());
    byte[] manifest = content.snapshot().manifest().getBytes(StandardCharsets.UTF_8);
    byte[] metaManifest =
        content.metadata().map(m -> m.manifest().getBytes(StandardCharsets.UTF_8)).orElse(null);
    long bodySize = 8L + 8 + 4 + pid.length + 1 + payloadSize(manifest, content.snapshot().bytes());
    if (metaManifest != null) {
      bodySize += payloadSize(metaManifest, content.metadata().get().bytes());
    }
    if (HEADER_SIZE + bodySize > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "snapshot of " + content.persistenceId() + " is too large: " + bodySize + " bytes");
    }
    ByteBuffer buf = ByteBuffer.allocate(HEADER_SIZE + (int) bodySize);
    buf.putInt(MAGIC).putShort(VERSION).putInt(0).putInt((int) bodySize);
    buf.putLong(content.sequenceNr()).putLong(content.timestamp());
    buf.putInt(pid.length).put(pid);
    buf.put((byte) (metaManifest != null ? FLAG_METADATA : 0));
    putPayload(buf, content.snapshot().serializerId(), manifest, content.snapshot().bytes());
    if (metaManifest != null) {
      SerializedPayload meta = content.metadata().get();
      putPayload(buf, meta.serializerId(), metaManifest, meta.bytes());
    }
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), CRC_START, buf.position() - CRC_START);
    buf.putInt(CRC_OFFSET, (int) crc.getValue());
    return buf.flip();
  }

  /**
   * Checks and decodes a whole file's bytes.
   *
   * @param file only named in exceptions
   * @throws CorruptSnapshotException if the header, length, CRC or structure is wrong
   */
  public static SnapshotContent decode(Path file, byte[] bytes) throws CorruptSnapshotException {
    int size = bytes.length;
    if (size < HEADER_SIZE) {
      throw new CorruptSnapshotException(file, size, size, "shorter than the header");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    int magic = buf.getInt();
    if (magic != MAGIC) {
      throw new CorruptSnapshotException(file, 0, size, "bad magic " + Integer.toHexString(magic));
    }
    short version = buf.getShort();
    if (version != VERSION) {
      throw new CorruptSnapshotException(file, 4, size, "unknown format version " + version);
    }
    int storedCrc = buf.getInt();
    int bodySize = buf.getInt();
    if (bodySize < 0 || (long) HEADER_SIZE + bodySize != size) {
      throw new CorruptSnapshotException(
          file,
          CRC_START,
          size,
          "header says " + bodySize + " body bytes, file has " + (size - HEADER_SIZE));
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, CRC_START, size - CRC_START);
    if ((int) crc.getValue() != storedCrc) {
      throw new CorruptSnapshotException(
          file,
          CRC_OFFSET,
          size,
          "CRC32C mismatch: stored "
              + Integer.toHexString(storedCrc)
              + ", computed "
              + Integer.toHexString((int) crc.getValue()));
    }
    // a matching CRC over a malformed body means a bug in the writer, still reported as corruption
    try {
      long sequenceNr = buf.getLong();
      long timestamp = buf.getLong();
      String persistenceId = getString(buf);
      int flags = buf.get();
      SerializedPayload snapshot = getPayload(buf);
      Optional<SerializedPayload> metadata =
          (flags & FLAG_METADATA) != 0 ? Optional.of(getPayload(buf)) : Optional.empty();
      if (buf.hasRemaining()) {
        throw new CorruptSnapshotException(file, buf.position(), size, "trailing bytes after body");
      }
      return new SnapshotContent(persistenceId, sequenceNr, timestamp, snapshot, metadata);
    } catch (BufferUnderflowException | IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new CorruptSnapshotException(file, buf.position(), size, "malformed body: " + e);
    }
  }

  private static long payloadSize(byte[] manifest, ByteString bytes) {
    return 4L + 4 + manifest.length + 4 + bytes.length();
  }

  private static void putPayload(
      ByteBuffer buf, int serializerId, byte[] manifest, ByteString bytes) {
    buf.putInt(serializerId).putInt(manifest.length).put(manifest).putInt(bytes.length());
    bytes.copyToBuffer(buf);
  }

  private static SerializedPayload getPayload(ByteBuffer buf) {
    int serializerId = buf.getInt();
    String manifest = getString(buf);
    byte[] payload = new byte[checkedLength(buf)];
    buf.get(payload);
    return new SerializedPayload(serializerId, manifest, ByteString.fromArrayUnsafe(payload));
  }

  private static String getString(ByteBuffer buf) {
    int length = checkedLength(buf);
    String s = new String(buf.array(), buf.position(), length, StandardCharsets.UTF_8);
    buf.position(buf.position() + length);
    return s;
  }

  private static int checkedLength(ByteBuffer buf) {
    int length = buf.getInt();
    if (length < 0 || length > buf.remaining()) {
      throw new IllegalArgumentException(
          "length " + length + " exceeds the " + buf.remaining() + " bytes left");
    }
    return length;
  }
}
