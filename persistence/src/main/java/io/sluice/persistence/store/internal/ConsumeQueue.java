package io.sluice.persistence.store.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The index of one persistence id: entry n describes sequence nr n + 1, so a lookup is one
 * multiplication. Entries live in memory-mapped files of up to {@code entriesPerFile} entries,
 * named by the number of their first entry (20 digits): entry n is in file {@code n /
 * entriesPerFile * entriesPerFile} at byte {@code n % entriesPerFile * 20}. A file starts at
 * {@value #INITIAL_FILE_BYTES} bytes and doubles whenever an entry falls past its end, up to
 * {@code entriesPerFile * 20} bytes; entries past the end of a file read as never written.
 *
 * <p>Files grow rather than start at full size because the first write into a page of a sparse
 * mapping makes the kernel read around it (up to the device's read-ahead, 8 MiB on the test
 * machine) and zero-fill every page it finds: a full-size file cost each new id 6 MB of page cache
 * and the time to fill it (issue #11: a Send to 1,024 new queues spent about 17 s there, on the
 * writer thread). Big-endian layout of a 20-byte entry:
 *
 * <pre>
 * offset  size  field
 *  0      8     CommitLog position of the record
 *  8      4     record size in bytes; 0 = never written, -1 = hole (sequence nr never stored)
 * 12      8     tag hash (0 = no filter tag)
 * </pre>
 *
 * Holes appear when a journal write was rejected and the writer moved on to later sequence
 * numbers; replay skips them.
 *
 * <p>Thread-safety: one writer (the group-commit thread or recovery); readers read entries below
 * {@link #highestSequenceNr()}, which is published after the entry is written.
 */
public final class ConsumeQueue {
  public static final int ENTRY_SIZE = 20;
  public static final int HOLE = -1;
  /** Size of a new file: one page. */
  static final int INITIAL_FILE_BYTES = 4096;
  static final String ID_FILE = "persistence-id";
  /** Highest sequence nr and deletion watermark as of the last force: "highest deletedTo". */
  static final String META_FILE = "meta";

  private final String persistenceId;
  private final Path dir;
  private final int entriesPerFile;
  private final ConcurrentSkipListMap<Long, MappedByteBuffer> files = new ConcurrentSkipListMap<>();

  private volatile long highestSequenceNr;
  /** Writer thread only: highest sequence nr accepted into a batch not yet indexed. */
  private long reservedSequenceNr;
  /** Lowest sequence nr not removed by retention (1 until retention touches this id). */
  private volatile long lowestRetainedSequenceNr = 1;
  private volatile long deletedTo;
  private long persistedDeletedTo;
  private long persistedHighest;
  /**
   * First entry of the lowest file written since the last force, {@code Long.MAX_VALUE} if none,
   * so that a force skips files nothing was written to. The writer marks it after each write and
   * the checkpoint takes it, each with one atomic operation, so no write goes unforced between.
   */
  private final AtomicLong dirtyFrom = new AtomicLong(Long.MAX_VALUE);

  private ConsumeQueue(String persistenceId, Path dir, int entriesPerFile) {
    this.persistenceId = persistenceId;
    this.dir = dir;
    this.entriesPerFile = entriesPerFile;
  }

  /** Creates the directory of a new persistence id. */
  public static ConsumeQueue create(String persistenceId, Path dir, int entriesPerFile)
      throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(ID_FILE), persistenceId);
    return new ConsumeQueue(persistenceId, dir, entriesPerFile);
  }

  /**
   * Opens an existing directory; the highest entry is found by binary search, since entries are
   * written densely from the first file on.
   *
   * @throws IOException if a file in the middle is missing (the caller rebuilds from the log)
   */
  public static ConsumeQueue load(Path dir, int entriesPerFile) throws IOException {
    String persistenceId = Files.readString(dir.resolve(ID_FILE));
    ConsumeQueue cq = new ConsumeQueue(persistenceId, dir, entriesPerFile);
    List<Long> firsts = new ArrayList<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path f : (Iterable<Path>) list::iterator) {
        String name = f.getFileName().toString();
        if (name.matches("\\d{20}")) {
          firsts.add(Long.parseLong(name));
        }
      }
    }
    firsts.sort(null);
    for (int i = 0; i < firsts.size(); i++) {
      if (i > 0 && firsts.get(i) != firsts.get(i - 1) + entriesPerFile) {
        throw new IOException("ConsumeQueue file missing in " + dir + " before entry " + firsts.get(i));
      }
      cq.files.put(firsts.get(i), cq.map(firsts.get(i), 0));
    }
    if (!firsts.isEmpty()) {
      long last = firsts.get(firsts.size() - 1);
      MappedByteBuffer buf = cq.files.get(last);
      int lo = 0;
      int hi = buf.capacity() / ENTRY_SIZE;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (buf.getInt(mid * ENTRY_SIZE + 8) != 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      cq.highestSequenceNr = last + lo;
      cq.lowestRetainedSequenceNr = firsts.get(0) + 1;
    }
    Path meta = dir.resolve(META_FILE);
    if (Files.exists(meta)) {
      String[] fields = Files.readString(meta).trim().split(" ");
      long forcedHighest = Long.parseLong(fields[0]);
      if (cq.highestSequenceNr < forcedHighest) {
        throw new IOException("ConsumeQueue of '" + persistenceId + "' in " + dir + " ends at "
            + cq.highestSequenceNr + " but held " + forcedHighest + " when last forced");
      }
      cq.persistedHighest = forcedHighest;
      cq.deletedTo = Long.parseLong(fields[1]);
      cq.persistedDeletedTo = cq.deletedTo;
    }
    return cq;
  }

  public String persistenceId() {
    return persistenceId;
  }

  public long highestSequenceNr() {
    return highestSequenceNr;
  }

  /** Writer thread: the highest sequence nr written or accepted into the current batch. */
  public long reservedSequenceNr() {
    return Math.max(reservedSequenceNr, highestSequenceNr);
  }

  /** Writer thread: accepts {@code sequenceNr} into the current batch. */
  public void reserve(long sequenceNr) {
    reservedSequenceNr = sequenceNr;
  }

  public long deletedTo() {
    return deletedTo;
  }

  public long lowestRetainedSequenceNr() {
    return lowestRetainedSequenceNr;
  }

  /**
   * Writer: records {@code sequenceNr} (which must be above the highest); sequence numbers
   * skipped in between become holes.
   */
  public void put(long sequenceNr, long position, int size, long tagHash, boolean fillGap)
      throws IOException {
    long from = highestSequenceNr + 1;
    if (fillGap) {
      for (long s = from; s < sequenceNr; s++) {
        write(s, -1L, HOLE, 0L);
      }
    } else if (sequenceNr > from && highestSequenceNr == 0) {
      lowestRetainedSequenceNr = sequenceNr;
    }
    write(sequenceNr, position, size, tagHash);
    highestSequenceNr = sequenceNr;
  }

  /**
   * Recovery, and retention's carried-forward copies: rewrites an entry at or below the highest
   * (idempotent redo). A record found in the log is retained, even below the lowest retained
   * sequence nr so far: a rebuild meets an id's carried-forward events after its later ones.
   */
  public void redo(long sequenceNr, long position, int size, long tagHash) throws IOException {
    write(sequenceNr, position, size, tagHash);
    if (sequenceNr < lowestRetainedSequenceNr) {
      lowestRetainedSequenceNr = sequenceNr;
    }
  }

  private void write(long sequenceNr, long position, int size, long tagHash) throws IOException {
    int at = offsetOf(sequenceNr);
    MappedByteBuffer buf = fileFor(sequenceNr - 1, at + ENTRY_SIZE);
    buf.putLong(at, position);
    buf.putInt(at + 8, size);
    buf.putLong(at + 12, tagHash);
    dirtyFrom.accumulateAndGet(firstOf(sequenceNr - 1), Math::min);
  }

  public long position(long sequenceNr) {
    MappedByteBuffer buf = holding(sequenceNr);
    return buf == null ? -1 : buf.getLong(offsetOf(sequenceNr));
  }

  /** Record size, {@link #HOLE}, or 0 when the entry was never written or removed by retention. */
  public int size(long sequenceNr) {
    MappedByteBuffer buf = holding(sequenceNr);
    return buf == null ? 0 : buf.getInt(offsetOf(sequenceNr) + 8);
  }

  public long tagHash(long sequenceNr) {
    MappedByteBuffer buf = holding(sequenceNr);
    return buf == null ? 0 : buf.getLong(offsetOf(sequenceNr) + 12);
  }

  /** The mapped file that reaches the entry of {@code sequenceNr}, or null if none does. */
  private MappedByteBuffer holding(long sequenceNr) {
    MappedByteBuffer buf = files.get(firstOf(sequenceNr - 1));
    return buf == null || offsetOf(sequenceNr) + ENTRY_SIZE > buf.capacity() ? null : buf;
  }

  private int offsetOf(long sequenceNr) {
    return (int) ((sequenceNr - 1) % entriesPerFile) * ENTRY_SIZE;
  }

  /** Writer: a deletion marker moved the logical start up. */
  public void markDeletedTo(long toSequenceNr) {
    if (toSequenceNr > deletedTo) {
      deletedTo = toSequenceNr;
    }
  }

  /**
   * Recovery: forgets entries at or above the CommitLog's recovered end, so nothing points at
   * truncated bytes.
   */
  public void truncateFrom(long commitLogEnd) throws IOException {
    long s = highestSequenceNr;
    while (s >= 1 && (size(s) == HOLE || (size(s) > 0 && position(s) >= commitLogEnd))) {
      write(s, 0L, 0, 0L);
      s--;
    }
    if (s != highestSequenceNr) {
      highestSequenceNr = s;
      dropFilesAboveHighest();
    }
  }

  /**
   * Deletes the files after the one holding the highest entry: {@link #load} finds the highest
   * entry in the last file, so that file must hold it.
   */
  private void dropFilesAboveHighest() throws IOException {
    long keep = highestSequenceNr == 0 ? -1 : firstOf(highestSequenceNr - 1);
    for (Long first : new ArrayList<>(files.tailMap(keep, false).keySet())) {
      files.remove(first);
      Files.deleteIfExists(dir.resolve(fileName(first)));
    }
  }

  /**
   * Writer thread, when the log is cut at {@code logEnd} (a divergent tail): forgets every entry
   * pointing at or after it, carried-forward copies below the highest included (reading one then
   * fails as out of range until the master's copy is replicated), lowers the highest sequence nr
   * and the reservation, and sets the deletion watermark to {@code deletedTo}, what the remaining
   * log says. Returns whether the id has nothing left (no entry was ever retained below the cut).
   */
  public boolean cutFrom(long logEnd, long deletedTo) throws IOException {
    for (long s = lowestRetainedSequenceNr; s <= highestSequenceNr; s++) {
      if (size(s) > 0 && position(s) >= logEnd) {
        write(s, 0L, 0, 0L);
      }
    }
    long s = highestSequenceNr;
    while (s >= lowestRetainedSequenceNr && size(s) <= 0) {
      write(s, 0L, 0, 0L);
      s--;
    }
    highestSequenceNr = Math.max(s, lowestRetainedSequenceNr - 1);
    dropFilesAboveHighest();
    reservedSequenceNr = 0;
    this.deletedTo = Math.min(deletedTo, highestSequenceNr);
    return highestSequenceNr == 0;
  }

  /** Deletes this queue's files (its id is gone from the store); the queue must not be used after. */
  public void delete() throws IOException {
    files.clear();
    ConsumeQueues.wipe(dir);
  }

  /**
   * Writer thread: forgets what a failed batch starting at CommitLog position {@code batchStart}
   * indexed or reserved.
   */
  public void rollback(long batchStart) throws IOException {
    truncateFrom(batchStart);
    reservedSequenceNr = 0;
  }

  /**
   * Retention: moves the lowest retained sequence nr past entries below {@code minPosition} and
   * deletes files wholly below it (never the file holding the highest entry).
   */
  public void retainFrom(long minPosition) throws IOException {
    long s = lowestRetainedSequenceNr;
    // Holes, never-written entries (history lost before a rebuild) and removed records all go.
    while (s <= highestSequenceNr && (size(s) <= 0 || position(s) < minPosition)) {
      s++;
    }
    lowestRetainedSequenceNr = s;
    long firstNeeded = Math.min(s - 1, highestSequenceNr - 1) / entriesPerFile * entriesPerFile;
    for (Long first : new ArrayList<>(files.headMap(firstNeeded).keySet())) {
      files.remove(first);
      Files.deleteIfExists(dir.resolve(fileName(first)));
    }
  }

  /**
   * Forces the files written since the last force and persists the highest sequence nr and the
   * deletion watermark. They are read first: every entry up to them is then forced.
   */
  public void force() throws IOException {
    long d = deletedTo;
    long h = highestSequenceNr;
    long from = dirtyFrom.getAndSet(Long.MAX_VALUE);
    if (from != Long.MAX_VALUE) {
      for (MappedByteBuffer buf : files.tailMap(from).values()) {
        buf.force();
      }
    }
    if (d != persistedDeletedTo || h != persistedHighest) {
      Path tmp = dir.resolve(META_FILE + ".tmp");
      Files.writeString(tmp, h + " " + d);
      Files.move(tmp, dir.resolve(META_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      persistedDeletedTo = d;
      persistedHighest = h;
    }
  }

  private long firstOf(long entry) {
    return entry / entriesPerFile * entriesPerFile;
  }

  /**
   * Writer: the file of {@code entry}, created or grown to at least {@code minBytes}. A grown file
   * is mapped anew and replaces the old mapping before the entry is written, so a reader that
   * sees the entry published sees the new mapping.
   */
  private MappedByteBuffer fileFor(long entry, int minBytes) throws IOException {
    long first = firstOf(entry);
    MappedByteBuffer buf = files.get(first);
    if (buf == null || buf.capacity() < minBytes) {
      long bytes = Math.max(INITIAL_FILE_BYTES, buf == null ? 0 : buf.capacity());
      while (bytes < minBytes) {
        bytes *= 2;
      }
      buf = map(first, bytes);
      files.put(first, buf);
    }
    return buf;
  }

  /** Maps the whole file, grown to {@code minBytes} but never past {@code entriesPerFile} entries. */
  private MappedByteBuffer map(long first, long minBytes) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(dir.resolve(fileName(first)).toFile(), "rw")) {
      long length = Math.min(Math.max(raf.length(), minBytes), (long) entriesPerFile * ENTRY_SIZE);
      if (raf.length() != length) {
        raf.setLength(length);
      }
      return raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
    }
  }

  static String fileName(long firstEntry) {
    return String.format("%020d", firstEntry);
  }
}
