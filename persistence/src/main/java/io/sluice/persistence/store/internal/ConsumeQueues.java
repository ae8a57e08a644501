package io.sluice.persistence.store.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * All ConsumeQueues, one directory per persistence id under {@code consumequeue/}. Directory
 * names are the id with unsafe characters escaped, hashed when too long; the exact id is kept in
 * the directory's {@code persistence-id} file.
 *
 * <p>Thread-safety: lookups from any thread; creation by the writer thread or recovery.
 */
public final class ConsumeQueues {
  private static final int MAX_DIR_NAME = 200;

  private final Path dir;
  private final int entriesPerFile;
  private final ConcurrentHashMap<String, ConsumeQueue> queues = new ConcurrentHashMap<>();

  private ConsumeQueues(Path dir, int entriesPerFile) {
    this.dir = dir;
    this.entriesPerFile = entriesPerFile;
  }

  /**
   * Loads every queue under {@code dir}.
   *
   * @throws IOException if a queue is damaged beyond a missing tail (the caller rebuilds)
   */
  public static ConsumeQueues load(Path dir, int entriesPerFile) throws IOException {
    Files.createDirectories(dir);
    ConsumeQueues all = new ConsumeQueues(dir, entriesPerFile);
    try (Stream<Path> list = Files.list(dir)) {
      for (Path d : (Iterable<Path>) list::iterator) {
        if (Files.isDirectory(d)) {
          ConsumeQueue cq = ConsumeQueue.load(d, entriesPerFile);
          all.queues.put(cq.persistenceId(), cq);
        }
      }
    }
    return all;
  }

  /** Deletes every queue so that recovery rebuilds them from the CommitLog. */
  public static void wipe(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  public ConsumeQueue get(String persistenceId) {
    return queues.get(persistenceId);
  }

  /** Writer thread: the queue of {@code persistenceId}, created on first use. */
  public ConsumeQueue getOrCreate(String persistenceId) throws IOException {
    ConsumeQueue cq = queues.get(persistenceId);
    if (cq == null) {
      cq = ConsumeQueue.create(persistenceId, dir.resolve(dirName(persistenceId)), entriesPerFile);
      queues.put(persistenceId, cq);
    }
    return cq;
  }

  /** Writer thread: forgets {@code persistenceId} and deletes its queue's files. */
  public void remove(String persistenceId) throws IOException {
    ConsumeQueue cq = queues.remove(persistenceId);
    if (cq != null) {
      cq.delete();
    }
  }

  /** Writer thread: forgets every id and deletes every queue's files (the store was reset). */
  public void clear() throws IOException {
    for (String persistenceId : persistenceIds()) {
      remove(persistenceId);
    }
  }

  public Collection<ConsumeQueue> all() {
    return queues.values();
  }

  public Set<String> persistenceIds() {
    return Set.copyOf(queues.keySet());
  }

  public int count() {
    return queues.size();
  }

  static String dirName(String persistenceId) {
    StringBuilder sb = new StringBuilder();
    for (byte b : persistenceId.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xFF);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
        sb.append(c);
      } else {
        sb.append('%').append(String.format("%02X", b & 0xFF));
      }
    }
    if (sb.length() <= MAX_DIR_NAME) {
      return sb.toString();
    }
    return sb.substring(0, 120) + "~" + sha256(persistenceId);
  }

  private static String sha256(String s) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
