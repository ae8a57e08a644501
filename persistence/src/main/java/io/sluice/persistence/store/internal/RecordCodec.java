package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.StoredRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Encodes and decodes CommitLog records. Big-endian layout of one record:
 *
 * <pre>
 * offset  size  field
 *  0      4     total size of the record in bytes, this field included
 *  4      4     magic: RECORD_MAGIC, or END_MAGIC for the end-of-segment filler
 *  8      4     CRC32C of bytes [12, total size)
 * 12      1     flags: bit 0 = last record of its atomic write, bit 1 = deletion marker,
 *               bit 2 = EpochStart (a new master's first record; empty persistence id)
 * 13      8     sequence nr (deletion marker: delete up to and including this; EpochStart: the epoch)
 * 21      8     store timestamp, epoch ms
 * 29      8     tag hash: FNV-1a 64 of the filter tag (without its prefix), 0 if none
 * 37      4     serializer id
 * 41      2+n   persistence id, UTF-8, length-prefixed
 *  .      2+n   writer uuid, UTF-8, length-prefixed
 *  .      2+n   serializer manifest, UTF-8, length-prefixed
 *  .      2+n   event adapter manifest (Pekko's PersistentRepr.manifest), UTF-8, length-prefixed
 *  .      2     tag count, then per tag 2+n UTF-8 length-prefixed
 *  .      4+n   payload, length-prefixed
 * </pre>
 *
 * An end-of-segment filler is {total size, END_MAGIC} and fills the rest of a segment that a
 * record did not fit into. Zero bytes (never written) read as total size 0: the end of the log.
 *
 * <p>Instances hold a reusable CRC and are not thread-safe; static methods are.
 */
public final class RecordCodec {
  public static final int RECORD_MAGIC = 0x5C1CE0A1;
  public static final int END_MAGIC = 0x5C1CE0FF;
  public static final int FLAG_LAST_IN_WRITE = 1;
  public static final int FLAG_DELETION_MARKER = 2;
  public static final int FLAG_EPOCH_START = 4;

  static final int SIZE_OFFSET = 0;
  static final int MAGIC_OFFSET = 4;
  static final int CRC_OFFSET = 8;
  static final int FLAGS_OFFSET = 12;
  static final int SEQ_OFFSET = 13;
  static final int TIMESTAMP_OFFSET = 21;
  static final int TAG_HASH_OFFSET = 29;
  static final int SERIALIZER_OFFSET = 37;
  public static final int VARIABLE_OFFSET = 41;
  /** Bytes read to learn a record's size and kind. */
  public static final int PREAMBLE_SIZE = 8;
  /** Size of an end-of-segment filler when there is room for it. */
  public static final int END_FILLER_MIN = PREAMBLE_SIZE;
  /** Size of an EpochStart record: a marker with an empty persistence id. */
  public static final int EPOCH_START_SIZE = VARIABLE_OFFSET + 2 + 2 + 2 + 2 + 2 + 4;

  private final CRC32C crc = new CRC32C();

  /** Encoded size of an event, without allocating. */
  public static int encodedSize(EventRecord e) {
    int size = VARIABLE_OFFSET;
    size += 2 + utf8Length(e.persistenceId());
    size += 2 + utf8Length(e.writerUuid());
    size += 2 + utf8Length(e.manifest());
    size += 2 + utf8Length(e.adapterManifest());
    size += 2;
    List<String> tags = e.tags();
    for (int i = 0; i < tags.size(); i++) {
      size += 2 + utf8Length(tags.get(i));
    }
    return size + 4 + e.payload().length;
  }

  /** Encoded size of a deletion marker for {@code persistenceId}. */
  public static int deletionMarkerSize(String persistenceId) {
    return VARIABLE_OFFSET + 2 + utf8Length(persistenceId) + 2 + 2 + 2 + 2 + 4;
  }

  /**
   * Writes one event at the buffer's position, which advances by {@link #encodedSize}. The
   * caller ensures capacity.
   */
  public void encode(
      ByteBuffer buf, EventRecord e, int size, boolean lastInWrite, long timestamp, long tagHash) {
    int start = buf.position();
    buf.putInt(size).putInt(RECORD_MAGIC).putInt(0);
    buf.put((byte) (lastInWrite ? FLAG_LAST_IN_WRITE : 0));
    buf.putLong(e.sequenceNr()).putLong(timestamp).putLong(tagHash).putInt(e.serializerId());
    putString(buf, e.persistenceId());
    putString(buf, e.writerUuid());
    putString(buf, e.manifest());
    putString(buf, e.adapterManifest());
    List<String> tags = e.tags();
    buf.putShort((short) tags.size());
    for (int i = 0; i < tags.size(); i++) {
      putString(buf, tags.get(i));
    }
    buf.putInt(e.payload().length).put(e.payload());
    finish(buf, start, size);
  }

  /** Writes a deletion marker: events of {@code persistenceId} up to {@code toSequenceNr}. */
  public void encodeDeletionMarker(
      ByteBuffer buf, String persistenceId, long toSequenceNr, int size, long timestamp) {
    encodeMarker(buf, FLAG_LAST_IN_WRITE | FLAG_DELETION_MARKER, persistenceId, toSequenceNr, size, timestamp);
  }

  /** Writes an EpochStart record of {@code epoch}, {@link #EPOCH_START_SIZE} bytes. */
  public void encodeEpochStart(ByteBuffer buf, long epoch, long timestamp) {
    encodeMarker(buf, FLAG_LAST_IN_WRITE | FLAG_EPOCH_START, "", epoch, EPOCH_START_SIZE, timestamp);
  }

  private void encodeMarker(
      ByteBuffer buf, int flags, String persistenceId, long sequenceNr, int size, long timestamp) {
    int start = buf.position();
    buf.putInt(size).putInt(RECORD_MAGIC).putInt(0);
    buf.put((byte) flags);
    buf.putLong(sequenceNr).putLong(timestamp).putLong(0L).putInt(0);
    putString(buf, persistenceId);
    buf.putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0);
    finish(buf, start, size);
  }

  private void finish(ByteBuffer buf, int start, int size) {
    if (buf.position() - start != size) {
      throw new IllegalStateException("encoded " + (buf.position() - start) + " bytes, expected " + size);
    }
    buf.putInt(start + CRC_OFFSET, crcOf(buf, start + FLAGS_OFFSET, size - FLAGS_OFFSET));
  }

  /** CRC32C of {@code length} bytes of {@code buf} from absolute index {@code from}. */
  public int crcOf(ByteBuffer buf, int from, int length) {
    ByteBuffer view = buf.duplicate();
    view.limit(from + length).position(from);
    crc.reset();
    crc.update(view);
    return (int) crc.getValue();
  }

  /**
   * Checks a whole record held in {@code buf} at absolute index {@code at}; returns null when it
   * is valid, otherwise why not.
   */
  public String verify(ByteBuffer buf, int at, int available) {
    if (available < VARIABLE_OFFSET) {
      return "record header truncated (" + available + " bytes)";
    }
    int size = buf.getInt(at + SIZE_OFFSET);
    if (buf.getInt(at + MAGIC_OFFSET) != RECORD_MAGIC) {
      return "bad magic " + Integer.toHexString(buf.getInt(at + MAGIC_OFFSET));
    }
    if (size < VARIABLE_OFFSET || size > available) {
      return "bad size " + size + " (" + available + " bytes available)";
    }
    int expected = buf.getInt(at + CRC_OFFSET);
    int actual = crcOf(buf, at + FLAGS_OFFSET, size - FLAGS_OFFSET);
    return expected == actual
        ? null
        : "CRC mismatch (stored " + Integer.toHexString(expected) + ", computed " + Integer.toHexString(actual) + ")";
  }

  public static int sizeAt(ByteBuffer buf, int at) {
    return buf.getInt(at + SIZE_OFFSET);
  }

  public static int magicAt(ByteBuffer buf, int at) {
    return buf.getInt(at + MAGIC_OFFSET);
  }

  public static int flagsAt(ByteBuffer buf, int at) {
    return buf.get(at + FLAGS_OFFSET);
  }

  public static long sequenceNrAt(ByteBuffer buf, int at) {
    return buf.getLong(at + SEQ_OFFSET);
  }

  public static long timestampAt(ByteBuffer buf, int at) {
    return buf.getLong(at + TIMESTAMP_OFFSET);
  }

  public static long tagHashAt(ByteBuffer buf, int at) {
    return buf.getLong(at + TAG_HASH_OFFSET);
  }

  /** Persistence id of the (verified) record at {@code at}. */
  public static String persistenceIdAt(ByteBuffer buf, int at) {
    return getString(buf, at + VARIABLE_OFFSET);
  }

  /** Decodes a verified record at absolute index {@code at}; the payload is copied. */
  public static StoredRecord decode(ByteBuffer buf, int at, long position) {
    int p = at + VARIABLE_OFFSET;
    String persistenceId = getString(buf, p);
    p += 2 + (buf.getShort(p) & 0xFFFF);
    String writerUuid = getString(buf, p);
    p += 2 + (buf.getShort(p) & 0xFFFF);
    String manifest = getString(buf, p);
    p += 2 + (buf.getShort(p) & 0xFFFF);
    String adapterManifest = getString(buf, p);
    p += 2 + (buf.getShort(p) & 0xFFFF);
    int tagCount = buf.getShort(p) & 0xFFFF;
    p += 2;
    List<String> tags = new ArrayList<>(tagCount);
    for (int i = 0; i < tagCount; i++) {
      tags.add(getString(buf, p));
      p += 2 + (buf.getShort(p) & 0xFFFF);
    }
    byte[] payload = new byte[buf.getInt(p)];
    buf.get(p + 4, payload);
    return new StoredRecord(
        position,
        persistenceId,
        sequenceNrAt(buf, at),
        timestampAt(buf, at),
        writerUuid,
        tags,
        buf.getInt(at + SERIALIZER_OFFSET),
        manifest,
        adapterManifest,
        payload);
  }

  /** Tags of the (verified) record at {@code at}, without decoding the payload. */
  public static List<String> tagsAt(ByteBuffer buf, int at) {
    int p = at + VARIABLE_OFFSET;
    for (int i = 0; i < 4; i++) {
      p += 2 + (buf.getShort(p) & 0xFFFF);
    }
    int tagCount = buf.getShort(p) & 0xFFFF;
    p += 2;
    List<String> tags = new ArrayList<>(tagCount);
    for (int i = 0; i < tagCount; i++) {
      tags.add(getString(buf, p));
      p += 2 + (buf.getShort(p) & 0xFFFF);
    }
    return tags;
  }

  /** FNV-1a 64 over the chars of {@code s} from {@code from}; 0 is reserved for "no tag". */
  public static long tagHash(String s, int from) {
    long h = 0xcbf29ce484222325L;
    for (int i = from; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return h == 0 ? 1 : h;
  }

  static int utf8Length(String s) {
    int n = s.length();
    int len = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        return s.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    if (len > 0xFFFF) {
      throw new IllegalArgumentException("string longer than 65535 bytes: " + s.substring(0, 40) + "...");
    }
    return len;
  }

  private static void putString(ByteBuffer buf, String s) {
    int n = s.length();
    int start = buf.position();
    buf.putShort((short) 0);
    boolean ascii = true;
    for (int i = 0; i < n && ascii; i++) {
      ascii = s.charAt(i) < 0x80;
    }
    if (ascii) {
      for (int i = 0; i < n; i++) {
        buf.put((byte) s.charAt(i));
      }
    } else {
      buf.put(s.getBytes(StandardCharsets.UTF_8));
    }
    int len = buf.position() - start - 2;
    if (len > 0xFFFF) {
      throw new IllegalArgumentException("string longer than 65535 bytes");
    }
    buf.putShort(start, (short) len);
  }

  private static String getString(ByteBuffer buf, int at) {
    int len = buf.getShort(at) & 0xFFFF;
    byte[] bytes = new byte[len];
    buf.get(at + 2, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
