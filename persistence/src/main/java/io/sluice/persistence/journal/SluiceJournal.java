package io.sluice.persistence.journal;

import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoredRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * <p>Configured by {@code sluice.persistence.journal} in {@code reference.conf}.
 */
public final class SluiceJournal extends AsyncWriteJournal {
  private static final int REPLAY_BATCH = 1024;

  private final MessageStore store;
  private final EventSerde serde;
  private final ExecutionContext blockingIo;

  public SluiceJournal(com.typesafe.config.Config config, String configPath) {
    this.store = SluiceStores.get(context().system()).storeFor(configPath);
    this.serde = new EventSerde(context().system());
    this.blockingIo = context().system().dispatchers().lookup(config.getString("plugin-dispatcher"));
  }

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> messages) {
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
    return FutureConverters.asScala(
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
                }));
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
