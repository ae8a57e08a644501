package io.sluice.persistence.snapshot.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory of snapshot files: lists a persistence id's files, writes a file atomically,
 * deletes files and removes temporary files a crash left behind.
 *
 * <p>A file becomes visible only by an atomic rename of a fully written and forced temporary file,
 * so readers see either no file or a complete one; a torn file can only come from the disk itself.
 *
 * <p>Thread-safe: it keeps no state besides the path and a flag set in {@link #open()}, and
 * concurrent writers use distinct temporary files. One store instance per directory: {@link
 * #open()} deletes every temporary file it finds.
 */
public final class SnapshotDirectory {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotDirectory.class);

  /** Newest first: higher sequence nr, then later timestamp. */
  public static final Comparator<SnapshotFileName> NEWEST_FIRST =
      Comparator.comparingLong(SnapshotFileName::sequenceNr)
          .thenComparingLong(SnapshotFileName::timestamp)
          .reversed();

  private final Path dir;
  private volatile boolean canForceDirectory = true;

  public SnapshotDirectory(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /**
   * Creates the directory if needed and deletes leftover temporary files. Call once before any
   * other method.
   *
   * @return how many temporary files were deleted
   */
  public int open() throws IOException {
    Files.createDirectories(dir);
    int deleted = 0;
    try (DirectoryStream<Path> stream =
        Files.newDirectoryStream(
            dir, p -> SnapshotFileName.isTempFileName(p.getFileName().toString()))) {
      for (Path tmp : stream) {
        Files.deleteIfExists(tmp);
        deleted++;
      }
    }
    if (deleted > 0) {
      LOG.warn("deleted {} temporary files of unfinished snapshot writes in {}", deleted, dir);
    }
    canForceDirectory = probeDirectoryForce();
    return deleted;
  }

  public Path resolve(SnapshotFileName name) {
    return dir.resolve(name.fileName());
  }

  /** Every snapshot file of {@code persistenceId}, newest first. */
  public List<SnapshotFileName> list(String persistenceId) throws IOException {
    return listIdPart(SnapshotFileName.idPart(persistenceId));
  }

  /**
   * Writes {@code content} as the file {@code name}, replacing a file of the same name, and makes
   * the rename durable before returning.
   */
  public void write(SnapshotFileName name, ByteBuffer content) throws IOException {
    Path tmp = dir.resolve(SnapshotFileName.newTempFileName());
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        while (content.hasRemaining()) {
          ch.write(content);
        }
        // data must be on disk before the rename can be, or a crash could leave a named torn file
        ch.force(true);
      }
      Files.move(tmp, resolve(name), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    forceDirectory();
  }

  /**
   * Deletes the files with {@code name}'s persistence id and sequence nr but an earlier timestamp,
   * so saving the same sequence nr again overwrites. Later ones are kept: they belong to a
   * concurrent save that won.
   */
  public void deleteOlderDuplicates(SnapshotFileName name) throws IOException {
    for (SnapshotFileName other : listIdPart(name.idPart())) {
      if (other.sequenceNr() == name.sequenceNr() && other.timestamp() < name.timestamp()) {
        delete(other);
      }
    }
  }

  /** Deletes the file if it still exists. */
  public void delete(SnapshotFileName name) throws IOException {
    // no directory force: a deleted snapshot that reappears after a crash is still a valid one
    Files.deleteIfExists(resolve(name));
  }

  public byte[] read(SnapshotFileName name) throws IOException {
    return Files.readAllBytes(resolve(name));
  }

  /** Every snapshot file in the directory, of every persistence id. */
  public List<SnapshotFileName> listAll() throws IOException {
    List<SnapshotFileName> names = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        SnapshotFileName.parse(p.getFileName().toString()).ifPresent(names::add);
      }
    }
    return names;
  }

  private List<SnapshotFileName> listIdPart(String idPart) throws IOException {
    String prefix = idPart + '-';
    List<SnapshotFileName> names = new ArrayList<>();
    try (DirectoryStream<Path> stream =
        Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
      for (Path p : stream) {
        SnapshotFileName.parse(p.getFileName().toString())
            .filter(n -> n.idPart().equals(idPart))
            .ifPresent(names::add);
      }
    }
    names.sort(NEWEST_FIRST);
    return names;
  }

  private void forceDirectory() throws IOException {
    if (canForceDirectory) {
      try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
        ch.force(true);
      }
    }
  }

  /** Some platforms (Windows) cannot open a directory as a channel; renames there go unforced. */
  private boolean probeDirectoryForce() {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      LOG.info(
          "cannot force directory {} ({}); snapshot renames rely on the OS to persist",
          dir,
          e.toString());
      return false;
    }
  }
}
