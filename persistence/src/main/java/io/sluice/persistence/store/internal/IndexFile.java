package io.sluice.persistence.store.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A hash index from key hashes to CommitLog positions, with store times, in one memory-mapped
 * file named by the position of the first record it indexes. Big-endian layout:
 *
 * <pre>
 * header, 64 bytes:
 *  0  4  magic             4  4  version         8  4  slot count     12  4  max entries
 * 16  4  entry count      20  4  (reserved)     24  8  first timestamp 32  8  last timestamp
 * 40  8  first position   48  8  last position  56  8  (reserved)
 * slots, slot count x 4 bytes: number of the newest entry in the slot (1-based), 0 = empty
 * entries, max entries x 24 bytes:
 *  0  4  key hash          4  4  previous entry in the same slot (1-based), 0 = none
 *  8  8  CommitLog position
 * 16  8  store timestamp
 * </pre>
 *
 * Entries are appended in log order, so their timestamps and positions never decrease: a time
 * range is a binary search. Hashes collide; callers verify keys against the records.
 *
 * <p>Thread-safety: one writer; readers see entries up to the published entry count.
 */
public final class IndexFile {
  private static final int MAGIC = 0x5C1CE1D0;
  private static final int VERSION = 1;
  static final int HEADER_SIZE = 64;
  static final int SLOT_SIZE = 4;
  static final int ENTRY_SIZE = 24;

  private final Path file;
  private final int slotCount;
  private final int maxEntries;
  private final MappedByteBuffer buf;
  private volatile int entryCount;
  private volatile boolean dirty;

  private IndexFile(Path file, int slotCount, int maxEntries, MappedByteBuffer buf) {
    this.file = file;
    this.slotCount = slotCount;
    this.maxEntries = maxEntries;
    this.buf = buf;
  }

  public static IndexFile create(Path dir, long firstPosition, int slotCount, int maxEntries)
      throws IOException {
    Path file = dir.resolve(String.format("%020d", firstPosition));
    IndexFile f = new IndexFile(file, slotCount, maxEntries, map(file, slotCount, maxEntries));
    f.buf.putInt(0, MAGIC).putInt(4, VERSION).putInt(8, slotCount).putInt(12, maxEntries);
    f.buf.putLong(40, firstPosition).putLong(48, -1L);
    f.dirty = true;
    return f;
  }

  public static IndexFile open(Path file) throws IOException {
    int slotCount;
    int maxEntries;
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      if (raf.length() < HEADER_SIZE || raf.readInt() != MAGIC) {
        throw new IOException("not an index file: " + file);
      }
      raf.readInt();
      slotCount = raf.readInt();
      maxEntries = raf.readInt();
    }
    IndexFile f = new IndexFile(file, slotCount, maxEntries, map(file, slotCount, maxEntries));
    f.entryCount = f.buf.getInt(16);
    return f;
  }

  private static MappedByteBuffer map(Path file, int slotCount, int maxEntries) throws IOException {
    long length = HEADER_SIZE + (long) slotCount * SLOT_SIZE + (long) maxEntries * ENTRY_SIZE;
    if (length > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("index file of " + length + " bytes exceeds 2 GiB");
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      if (raf.length() != length) {
        raf.setLength(length);
      }
      return raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
    }
  }

  public boolean isFull() {
    return entryCount >= maxEntries;
  }

  public long firstTimestamp() {
    return buf.getLong(24);
  }

  public long lastTimestamp() {
    return buf.getLong(32);
  }

  /** Position of the last record indexed here, -1 if none. */
  public long lastPosition() {
    return buf.getLong(48);
  }

  public Path file() {
    return file;
  }

  /** Writer: adds an entry; the caller checked {@link #isFull()}. */
  public void add(int keyHash, long position, long timestamp) {
    int n = entryCount + 1;
    int slot = slotOffset(keyHash);
    int at = entryOffset(n);
    buf.putInt(at, keyHash).putInt(at + 4, buf.getInt(slot));
    buf.putLong(at + 8, position).putLong(at + 16, timestamp);
    buf.putInt(slot, n);
    if (n == 1) {
      buf.putLong(24, timestamp);
    }
    buf.putLong(32, timestamp).putLong(48, position).putInt(16, n);
    dirty = true;
    entryCount = n;
  }

  /**
   * Adds positions of entries with {@code keyHash} and a timestamp in [from, to] to {@code out},
   * newest first, until {@code out} holds {@code max}.
   */
  public void lookup(int keyHash, long from, long to, int max, List<Long> out) {
    int visible = entryCount;
    int n = buf.getInt(slotOffset(keyHash));
    while (n > 0 && out.size() < max) {
      int at = entryOffset(n);
      long timestamp = buf.getLong(at + 16);
      if (n <= visible) {
        if (timestamp < from) {
          return;
        }
        if (buf.getInt(at) == keyHash && timestamp <= to) {
          out.add(buf.getLong(at + 8));
        }
      }
      n = buf.getInt(at + 4);
    }
  }

  /** Adds positions of entries with a timestamp in [from, to] in log order, distinct, up to max. */
  public void range(long from, long to, int max, List<Long> out) {
    int count = entryCount;
    int lo = 1;
    int hi = count + 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (buf.getLong(entryOffset(mid) + 16) < from) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    long previous = -1;
    for (int n = lo; n <= count && out.size() < max; n++) {
      int at = entryOffset(n);
      if (buf.getLong(at + 16) > to) {
        return;
      }
      long position = buf.getLong(at + 8);
      if (position != previous) {
        out.add(position);
        previous = position;
      }
    }
  }

  /** Recovery: drops the newest entries that point at or after {@code end}. */
  public void truncateFrom(long end) {
    int n = entryCount;
    while (n > 0 && buf.getLong(entryOffset(n) + 8) >= end) {
      int at = entryOffset(n);
      buf.putInt(slotOffset(buf.getInt(at)), buf.getInt(at + 4));
      buf.putLong(at, 0L).putLong(at + 8, 0L).putLong(at + 16, 0L);
      n--;
    }
    if (n != entryCount) {
      int last = entryOffset(n);
      buf.putLong(32, n == 0 ? 0L : buf.getLong(last + 16));
      buf.putLong(48, n == 0 ? -1L : buf.getLong(last + 8));
      buf.putInt(16, n);
      entryCount = n;
      dirty = true;
    }
  }

  public boolean isEmpty() {
    return entryCount == 0;
  }

  public void force() {
    if (dirty) {
      dirty = false;
      buf.force();
    }
  }

  public void delete() throws IOException {
    Files.deleteIfExists(file);
  }

  private int slotOffset(int keyHash) {
    return HEADER_SIZE + ((keyHash & 0x7FFFFFFF) % slotCount) * SLOT_SIZE;
  }

  private int entryOffset(int n) {
    return HEADER_SIZE + slotCount * SLOT_SIZE + (n - 1) * ENTRY_SIZE;
  }
}
