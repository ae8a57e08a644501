package io.sluice.persistence.snapshot;

import com.typesafe.config.Config;
import io.sluice.persistence.snapshot.internal.SnapshotContent;
import io.sluice.persistence.snapshot.internal.SnapshotDirectory;
import io.sluice.persistence.snapshot.internal.SnapshotFileFormat;
import io.sluice.persistence.snapshot.internal.SnapshotFileName;
import io.sluice.persistence.snapshot.internal.SnapshotSerde;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.dispatch.Futures;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.snapshot.japi.SnapshotStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;

/**
 * A Pekko Persistence snapshot store keeping one file per snapshot in a directory (plugin block
 * {@code sluice.persistence.snapshot-store} in {@code reference.conf}).
 *
 * <p>Files are named {@code p-<escaped persistence id>-<sequenceNr>-<timestamp>.snap}, or {@code
 * h-<sha-256 of the id>-...} for ids too long to escape (see {@link SnapshotFileName}). A file
 * holds, big-endian (see {@link SnapshotFileFormat}):
 *
 * <pre>
 * offset  size  field
 *      0     4  magic "SLSP"
 *      4     2  format version, 1
 *      6     4  CRC32C of bytes 10..end
 *     10     4  body length N
 *     14     N  sequence nr (8), timestamp (8), persistence id (4 + UTF-8), flags (1),
 *               snapshot payload, optional metadata payload; a payload is
 *               serializer id (4), manifest (4 + UTF-8), bytes (4 + bytes)
 * </pre>
 *
 * <p>Saving writes a temporary file, forces it, renames it atomically over the final name and
 * forces the directory. Loading tries the newest matching snapshots, up to {@code
 * max-load-attempts}; an unreadable one is logged as a WARN and the next older one is tried.
 * Temporary files left by a crash are deleted when the store starts.
 *
 * <p>Thread-safety: the actor holds only immutable fields; the blocking file I/O runs in futures on
 * the plugin dispatcher, which may run several operations at once. That is safe because every save
 * writes its own temporary file and becomes visible by one atomic rename. One store per directory:
 * two stores (or processes) sharing a directory would delete each other's temporary files on start.
 */
public final class FileSnapshotStore extends SnapshotStore {

  private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotStore.class);

  private final SnapshotSettings settings;
  private final SnapshotDirectory directory;
  private final SnapshotSerde serde;
  private final ExecutionContext io;

  public FileSnapshotStore(Config config) {
    this.settings = SnapshotSettings.fromConfig(config);
    this.directory = new SnapshotDirectory(settings.dir());
    ExtendedActorSystem system = (ExtendedActorSystem) context().system();
    this.serde = new SnapshotSerde(system);
    this.io = system.dispatchers().lookup(settings.pluginDispatcher());
  }

  @Override
  public void preStart() throws Exception {
    // runs on the plugin dispatcher already, so blocking here is allowed
    directory.open();
    LOG.info("file snapshot store started in {}", directory.dir().toAbsolutePath());
    super.preStart();
  }

  @Override
  public Future<Optional<SelectedSnapshot>> doLoadAsync(
      String persistenceId, SnapshotSelectionCriteria criteria) {
    return Futures.future(() -> load(persistenceId, criteria), io);
  }

  @Override
  public Future<Void> doSaveAsync(SnapshotMetadata metadata, Object snapshot) {
    return Futures.future(
        () -> {
          save(metadata, snapshot);
          return null;
        },
        io);
  }

  @Override
  public Future<Void> doDeleteAsync(SnapshotMetadata metadata) {
    return Futures.future(
        () -> {
          for (SnapshotFileName name : directory.list(metadata.persistenceId())) {
            // timestamp 0 means "any": Pekko sends it when only the sequence nr is known
            if (name.sequenceNr() == metadata.sequenceNr()
                && (metadata.timestamp() == 0L || name.timestamp() == metadata.timestamp())) {
              directory.delete(name);
            }
          }
          return null;
        },
        io);
  }

  @Override
  public Future<Void> doDeleteAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return Futures.future(
        () -> {
          for (SnapshotFileName name : directory.list(persistenceId)) {
            if (criteria.matches(metadataOf(persistenceId, name))) {
              directory.delete(name);
            }
          }
          return null;
        },
        io);
  }

  private Optional<SelectedSnapshot> load(String persistenceId, SnapshotSelectionCriteria criteria)
      throws IOException {
    List<SnapshotFileName> names = directory.list(persistenceId);
    int failures = 0;
    Exception firstFailure = null;
    for (SnapshotFileName name : names) {
      if (!criteria.matches(metadataOf(persistenceId, name))) {
        continue;
      }
      try {
        return Optional.of(read(persistenceId, name));
      } catch (NoSuchFileException deletedSinceListing) {
        // a concurrent delete won the race; that file was never a failed attempt
      } catch (Exception e) {
        failures++;
        LOG.warn(
            "cannot read snapshot file {} (failed load attempt {} of {}): {}",
            directory.resolve(name),
            failures,
            settings.maxLoadAttempts(),
            e.toString());
        if (firstFailure == null) {
          firstFailure = e;
        } else {
          firstFailure.addSuppressed(e);
        }
        if (failures == settings.maxLoadAttempts()) {
          break;
        }
      }
    }
    if (firstFailure != null) {
      // an empty result would make the entity replay from scratch over possibly deleted events
      throw new IOException(
          "no readable snapshot of " + persistenceId + " after " + failures + " attempts",
          firstFailure);
    }
    return Optional.empty();
  }

  private SelectedSnapshot read(String persistenceId, SnapshotFileName name) throws Exception {
    byte[] bytes = directory.read(name);
    SnapshotContent content = SnapshotFileFormat.decode(directory.resolve(name), bytes);
    if (!content.persistenceId().equals(persistenceId)
        || content.sequenceNr() != name.sequenceNr()
        || content.timestamp() != name.timestamp()) {
      throw new CorruptSnapshotException(
          directory.resolve(name),
          SnapshotFileFormat.HEADER_SIZE,
          bytes.length,
          "content is for "
              + content.persistenceId()
              + " at "
              + content.sequenceNr()
              + "/"
              + content.timestamp()
              + ", not for the file name's "
              + persistenceId
              + " at "
              + name.sequenceNr()
              + "/"
              + name.timestamp());
    }
    return serde.toSelected(content);
  }

  private void save(SnapshotMetadata metadata, Object snapshot) throws IOException {
    SnapshotFileName name =
        SnapshotFileName.of(metadata.persistenceId(), metadata.sequenceNr(), metadata.timestamp());
    directory.write(name, SnapshotFileFormat.encode(serde.toContent(metadata, snapshot)));
    directory.deleteOlderDuplicates(name);
  }

  private static SnapshotMetadata metadataOf(String persistenceId, SnapshotFileName name) {
    return new SnapshotMetadata(persistenceId, name.sequenceNr(), name.timestamp());
  }
}
