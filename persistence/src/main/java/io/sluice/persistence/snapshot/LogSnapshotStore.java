package io.sluice.persistence.snapshot;

import com.typesafe.config.Config;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.snapshot.internal.FileSnapshotImport;
import io.sluice.persistence.snapshot.internal.SnapshotFileFormat;
import io.sluice.persistence.snapshot.internal.SnapshotLog;
import io.sluice.persistence.snapshot.internal.SnapshotSerde;
import io.sluice.persistence.store.MessageStore;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.dispatch.Futures;
import org.apache.pekko.dispatch.MessageDispatcher;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.snapshot.japi.SnapshotStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.Future;
import scala.concurrent.Promise;

/**
 * A Pekko Persistence snapshot store keeping snapshots as records in the journal's own store
 * (plugin block {@code sluice.persistence.log-snapshot-store} in {@code reference.conf}): the
 * snapshots of persistence id {@code p} are the records of id {@code snapshot|p} in the store of
 * the journal plugin {@code journal-plugin-id} (layout and rules in {@link SnapshotLog}). So a
 * replica that copies the CommitLog has them, and retention carries live ones forward as long as
 * {@code snapshot|} is not an expendable id prefix.
 *
 * <p>A snapshot is serialized with Pekko serialization and encoded as the file store encodes it
 * ({@link SnapshotFileFormat}); it may be as large as one CommitLog segment, cut into records of
 * at most {@code max-record-size}; a larger one fails its save with an {@link
 * IllegalArgumentException} saying so.
 *
 * <p>When the store starts it moves the snapshots of a file snapshot store in {@code import-dir}
 * into the log ({@link FileSnapshotImport}), before it handles any request.
 *
 * <p>Thread-safety: the actor holds only immutable fields and thread-safe collaborators; work runs
 * in futures on the plugin dispatcher.
 */
public final class LogSnapshotStore extends SnapshotStore {
  private static final Logger LOG = LoggerFactory.getLogger(LogSnapshotStore.class);

  private final LogSnapshotSettings settings;
  private final MessageStore store;
  private final SnapshotLog log;
  private final SnapshotSerde serde;
  private final MessageDispatcher io;

  public LogSnapshotStore(Config config) {
    this.settings = LogSnapshotSettings.fromConfig(config);
    ExtendedActorSystem system = (ExtendedActorSystem) context().system();
    this.store = SluiceStores.get(system).storeFor(settings.journalPluginId());
    this.log = new SnapshotLog(store);
    this.serde = new SnapshotSerde(system);
    this.io = system.dispatchers().lookup(settings.pluginDispatcher());
  }

  @Override
  public void preStart() throws Exception {
    if (store.settings().isExpendable(SnapshotLog.ID_PREFIX)) {
      LOG.warn(
          "snapshots are expendable in the store of {} (retention.expendable-id-prefixes matches"
              + " '{}'): retention may delete them, and an entity whose events were deleted loses"
              + " its state",
          settings.journalPluginId(), SnapshotLog.ID_PREFIX);
    }
    if (settings.importDir().isPresent()) {
      // runs on the plugin dispatcher, before any load: an entity never misses an imported snapshot
      Path dir = settings.importDir().get();
      SluiceStores.get(context().system()).exclusively(dir, () -> FileSnapshotImport.importAll(dir, log));
    }
    super.preStart();
  }

  @Override
  public Future<Optional<SelectedSnapshot>> doLoadAsync(
      String persistenceId, SnapshotSelectionCriteria criteria) {
    return toScala(
        CompletableFuture.supplyAsync(
            () -> unchecked(
                () -> log.load(persistenceId, criteria, settings.maxLoadAttempts(), serde::toSelected)),
            io));
  }

  @Override
  public Future<Void> doSaveAsync(SnapshotMetadata metadata, Object snapshot) {
    return toScala(
        CompletableFuture.supplyAsync(
                () -> SnapshotFileFormat.encode(serde.toContent(metadata, snapshot)), io)
            .thenCompose(
                encoded ->
                    log.save(
                        metadata.persistenceId(),
                        metadata.sequenceNr(),
                        metadata.timestamp(),
                        encoded)));
  }

  @Override
  public Future<Void> doDeleteAsync(SnapshotMetadata metadata) {
    // timestamp 0 means "any": Pekko sends it when only the sequence nr is known
    boolean anyTime = metadata.timestamp() == 0L;
    SnapshotSelectionCriteria one =
        new SnapshotSelectionCriteria(
            metadata.sequenceNr(),
            anyTime ? Long.MAX_VALUE : metadata.timestamp(),
            metadata.sequenceNr(),
            anyTime ? 0L : metadata.timestamp());
    return doDeleteAsync(metadata.persistenceId(), one);
  }

  @Override
  public Future<Void> doDeleteAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return toScala(
        CompletableFuture.supplyAsync(() -> log.delete(persistenceId, criteria), io)
            .thenCompose(deleted -> deleted));
  }

  /** The future's outcome for Pekko, with the cause itself rather than a CompletionException. */
  private static <T> Future<T> toScala(CompletableFuture<T> future) {
    Promise<T> promise = Futures.promise();
    future.whenComplete(
        (value, failure) -> {
          if (failure == null) {
            promise.success(value);
          } else {
            promise.failure(
                failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause()
                    : failure);
          }
        });
    return promise.future();
  }

  /** A blocking step that may throw, for {@code supplyAsync}. */
  @FunctionalInterface
  private interface Step<T> {
    T run() throws Exception;
  }

  private static <T> T unchecked(Step<T> step) {
    try {
      return step.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new CompletionException(e);
    }
  }
}
