package io.sluice.persistence.snapshot.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the snapshot files of the file snapshot store into a {@link SnapshotLog}, so a node that
 * kept its snapshots in files keeps its state when it switches to snapshots in the log.
 *
 * <p>Each readable file is saved to the log (its bytes unchanged: both use {@link
 * SnapshotFileFormat}) and deleted once that save is durable. A crash between the two leaves the
 * file, and the next import skips it because the log already holds a snapshot with the same id,
 * sequence nr and timestamp. An unreadable file is left where it is with a WARN.
 *
 * <p>Not thread-safe: run once, before the store serves anything.
 */
public final class FileSnapshotImport {
  private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotImport.class);

  private FileSnapshotImport() {}

  /** Imports every snapshot file in {@code dir} (nothing if it does not exist); returns how many. */
  public static int importAll(Path dir, SnapshotLog log) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    SnapshotDirectory directory = new SnapshotDirectory(dir);
    directory.open();
    int imported = 0;
    int unreadable = 0;
    for (SnapshotFileName name : directory.listAll()) {
      SnapshotContent content;
      byte[] bytes;
      try {
        bytes = directory.read(name);
        content = SnapshotFileFormat.decode(directory.resolve(name), bytes);
        if (!SnapshotFileName.idPart(content.persistenceId()).equals(name.idPart())
            || content.sequenceNr() != name.sequenceNr()
            || content.timestamp() != name.timestamp()) {
          throw new IOException("content is for " + content.persistenceId() + " at "
              + content.sequenceNr() + "/" + content.timestamp() + ", not what the name says");
        }
      } catch (IOException | IllegalArgumentException e) {
        unreadable++;
        LOG.warn("snapshot file {} is not imported into the log: {}", directory.resolve(name), e.toString());
        continue;
      }
      if (!inLog(log, content)) {
        try {
          log.save(content.persistenceId(), content.sequenceNr(), content.timestamp(), ByteBuffer.wrap(bytes))
              .get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while importing " + directory.resolve(name), e);
        } catch (ExecutionException e) {
          throw new IOException("cannot import snapshot file " + directory.resolve(name), e.getCause());
        }
        imported++;
      }
      directory.delete(name);
    }
    if (imported > 0 || unreadable > 0) {
      LOG.info("imported {} snapshot files from {} into the log; {} unreadable ones left there",
          imported, dir.toAbsolutePath(), unreadable);
    }
    return imported;
  }

  private static boolean inLog(SnapshotLog log, SnapshotContent content) {
    return log.list(content.persistenceId()).snapshots().stream()
        .anyMatch(s -> s.sequenceNr() == content.sequenceNr() && s.timestamp() == content.timestamp());
  }
}
