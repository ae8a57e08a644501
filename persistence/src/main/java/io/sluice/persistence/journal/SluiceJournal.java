package io.sluice.persistence.journal;

import io.sluice.persistence.store.CommitTracker;
import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MasterDemotedException;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.NotEnoughReplicasException;
import io.sluice.persistence.store.ReplicationSettings;
import io.sluice.persistence.store.ReplicationTimeoutException;
import io.sluice.persistence.store.StoredRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.pekko.dispatch.Futures;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.japi.AsyncWriteJournal;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;

/**
 * The Pekko Persistence journal on the Sluice store. Each {@link AtomicWrite} becomes one atomic
 * write of the store (all or nothing after a crash); a write whose events cannot be serialized
 * is rejected alone. Replays read the ConsumeQueue of the persistence id, in batches, on the
 * plugin dispatcher.
 *
 * <p>With {@code sync} replication ({@code replication.mode}) a write is acknowledged once the
 * store's commit position passes the end of its batch (every in-sync replica has it). It fails
 * instead, as a whole batch, with {@link NotEnoughReplicasException} when fewer than {@code
 * min-in-sync} copies are in sync (checked before anything is stored: nothing is), and with {@link
 * ReplicationTimeoutException} (outcome unknown: stored on the master) when the commit does not
 * come within {@code replication.timeout}, comes only with fewer copies than {@code min-in-sync},
 * or the store is demoted meanwhile ({@link CommitTracker#demoted}: at once, not after the timeout).
 * Both are failures, not rejections: Pekko gives the exception itself to the entity as the {@code
 * JournalPersistFailed} signal's failure and as the cause of the {@code JournalFailureException}
 * its supervisor sees, so an entity that restarts with backoff on journal failures (Sluice's do)
 * recovers and serves again once the group does. Replays read every local record, committed or
 * not: the master's entities recover their own writes.
 *
 * <p>Configured by {@code sluice.persistence.journal} in {@code reference.conf}.
 */
public final class SluiceJournal extends AsyncWriteJournal {
  private static final int REPLAY_BATCH = 1024;

  private final MessageStore store;
  private final EventSerde serde;
  private final ExecutionContext blockingIo;
  private final ReplicationSettings replication;

  public SluiceJournal(com.typesafe.config.Config config, String configPath) {
    this.store = SluiceStores.get(context().system()).storeFor(configPath);
    this.serde = new EventSerde(context().system());
    this.blockingIo = context().system().dispatchers().lookup(config.getString("plugin-dispatcher"));
    this.replication = store.settings().replication();
  }

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> messages) {
    if (replication.isSync()) {
      Optional<NotEnoughReplicasException> refusal = store.commits().writeRefusal();
      if (refusal.isPresent()) {
        return Futures.failed(refusal.get());
      }
    }
    List<List<EventRecord>> writes = new ArrayList<>();
    List<Optional<Exception>> serializationFailures = new ArrayList<>();
    for (AtomicWrite write : messages) {
      List<EventRecord> events = new ArrayList<>(write.size());
      Optional<Exception> failure = Optional.empty();
      try {
        for (PersistentRepr repr : CollectionConverters.asJava(write.payload())) {
          events.add(serde.toRecord(repr));
        }
      } catch (Exception e) {
        events = List.of();
        failure = Optional.of(e);
      }
      writes.add(events);
      serializationFailures.add(failure);
    }
    CompletableFuture<Iterable<Optional<Exception>>> written =
        store
            .appendAll(writes)
            .thenApply(
                stored -> {
                  List<Optional<Exception>> results = new ArrayList<>(stored.size());
                  for (int i = 0; i < stored.size(); i++) {
                    Optional<Exception> failure = serializationFailures.get(i);
                    results.add(failure.isPresent() ? failure : stored.get(i));
                  }
                  return results;
                });
    if (!replication.isSync()) {
      return FutureConverters.asScala(written);
    }
    CompletableFuture<Iterable<Optional<Exception>>> committed = new CompletableFuture<>();
    // Runs on the writer thread as it completes the batch: the confirmed position is the batch's end.
    written
        .thenAccept(results -> awaitCommit(results, store.confirmedPosition(), committed))
        .exceptionally(failure -> {
          committed.completeExceptionally(unwrap(failure));
          return null;
        });
    return FutureConverters.asScala(committed);
  }

  /**
   * Completes {@code committed} with {@code results} once the commit position passes {@code end};
   * at once if nothing was stored. Fails it with the bare exception, so that Pekko hands the entity
   * the exception itself.
   */
  private void awaitCommit(
      Iterable<Optional<Exception>> results, long end, CompletableFuture<Iterable<Optional<Exception>>> committed) {
    boolean anyStored = false;
    for (Optional<Exception> result : results) {
      anyStored |= result.isEmpty();
    }
    if (!anyStored) {
      committed.complete(results);
      return;
    }
    CommitTracker commits = store.commits();
    commits.awaitWriteCommit(end)
        .orTimeout(replication.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (ignored, failure) -> {
              Throwable cause = failure == null ? null : unwrap(failure);
              int inSync = commits.inSyncCount();
              if (cause instanceof TimeoutException) {
                committed.completeExceptionally(
                    ReplicationTimeoutException.timedOut(end, commits.commitPosition(), replication.timeout()));
              } else if (cause instanceof MasterDemotedException) {
                committed.completeExceptionally(ReplicationTimeoutException.demoted(end, commits.commitPosition()));
              } else if (cause != null) {
                committed.completeExceptionally(cause);
              } else if (inSync < replication.minInSync()) {
                committed.completeExceptionally(
                    ReplicationTimeoutException.tooFewCopies(end, inSync, replication.minInSync()));
              } else {
                committed.complete(results);
              }
            });
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    return FutureConverters.asScala(store.deleteTo(persistenceId, toSequenceNr));
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String persistenceId, long fromSequenceNr, long toSequenceNr, long max, Consumer<PersistentRepr> replayCallback) {
    return Futures.future(
        () -> {
          long next = fromSequenceNr;
          long remaining = max;
          while (remaining > 0 && next <= toSequenceNr) {
            List<StoredRecord> batch =
                store.readRetained(persistenceId, next, toSequenceNr, Math.min(remaining, REPLAY_BATCH));
            if (batch.isEmpty()) {
              break;
            }
            for (StoredRecord record : batch) {
              replayCallback.accept(serde.toRepr(record));
            }
            remaining -= batch.size();
            next = batch.get(batch.size() - 1).sequenceNr() + 1;
          }
          return null;
        },
        blockingIo);
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    return Futures.successful(store.highestSequenceNr(persistenceId));
  }
}
