package io.sluice.persistence.store.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The Index: a sequence of {@link IndexFile}s in log order under {@code index/}; a new file
 * starts when the current one is full.
 *
 * <p>Thread-safety: one writer (group-commit thread or recovery); lookups from any thread.
 */
public final class MessageIndex {
  private final Path dir;
  private final int slotCount;
  private final int maxEntries;
  private final CopyOnWriteArrayList<IndexFile> files = new CopyOnWriteArrayList<>();

  private MessageIndex(Path dir, int slotCount, int maxEntries) {
    this.dir = dir;
    this.slotCount = slotCount;
    this.maxEntries = maxEntries;
  }

  public static MessageIndex open(Path dir, int slotCount, int maxEntries) throws IOException {
    Files.createDirectories(dir);
    MessageIndex index = new MessageIndex(dir, slotCount, maxEntries);
    List<Path> names = new ArrayList<>();
    try (Stream<Path> list = Files.list(dir)) {
      list.filter(p -> p.getFileName().toString().matches("\\d{20}")).forEach(names::add);
    }
    names.sort(null);
    for (Path p : names) {
      index.files.add(IndexFile.open(p));
    }
    return index;
  }

  /** Deletes every index file so that recovery rebuilds them from the CommitLog. */
  public static void wipe(Path dir) throws IOException {
    ConsumeQueues.wipe(dir);
  }

  public boolean isEmpty() {
    return files.isEmpty();
  }

  /** Position of the last record indexed, -1 if none: recovery redoes only records after it. */
  public long lastIndexedPosition() {
    return files.isEmpty() ? -1 : files.get(files.size() - 1).lastPosition();
  }

  /** Writer: indexes {@code key} (a full tag, prefix included) for the record at {@code position}. */
  public void add(String key, long position, long timestamp) throws IOException {
    IndexFile current = files.isEmpty() ? null : files.get(files.size() - 1);
    if (current == null || current.isFull()) {
      if (current != null) {
        current.force();
      }
      current = IndexFile.create(dir, position, slotCount, maxEntries);
      files.add(current);
    }
    current.add(key.hashCode(), position, timestamp);
  }

  /** Candidate positions for {@code key}, newest first; hash collisions are possible. */
  public List<Long> lookup(String key, long from, long to, int max) {
    List<Long> out = new ArrayList<>();
    int hash = key.hashCode();
    for (int i = files.size() - 1; i >= 0 && out.size() < max; i--) {
      IndexFile f = files.get(i);
      if (f.lastTimestamp() >= from && f.firstTimestamp() <= to) {
        f.lookup(hash, from, to, max, out);
      }
    }
    return out;
  }

  /** Positions of indexed records stored in [from, to], in log order. */
  public List<Long> range(long from, long to, int max) {
    List<Long> out = new ArrayList<>();
    for (IndexFile f : files) {
      if (out.size() >= max) {
        break;
      }
      if (f.lastTimestamp() >= from && f.firstTimestamp() <= to) {
        f.range(from, to, max, out);
      }
    }
    return out;
  }

  /** Recovery: drops entries pointing at or after {@code end}, the recovered end of the log. */
  public void truncateFrom(long end) throws IOException {
    for (int i = files.size() - 1; i >= 0; i--) {
      IndexFile f = files.get(i);
      f.truncateFrom(end);
      if (f.isEmpty() && files.size() > 1) {
        files.remove(i).delete();
      } else if (!f.isEmpty()) {
        return;
      }
    }
  }

  /** Writer thread: deletes every index file (the store was reset). */
  public void clear() throws IOException {
    while (!files.isEmpty()) {
      files.remove(files.size() - 1).delete();
    }
  }

  public void force() {
    for (IndexFile f : files) {
      f.force();
    }
  }

  /** Retention: deletes files whose every entry points below {@code minPosition}. */
  public void retainFrom(long minPosition) throws IOException {
    while (files.size() > 1 && files.get(0).lastPosition() < minPosition) {
      files.remove(0).delete();
    }
  }
}
