package io.sluice.persistence.query;

import io.sluice.persistence.journal.EventSerde;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoredRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentPersistenceIdsQuery;
import org.apache.pekko.persistence.query.javadsl.EventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.javadsl.ReadJournal;
import org.apache.pekko.stream.javadsl.Source;
import scala.Option;

/**
 * Pekko Persistence Query on the Sluice store (Java API). Streams are demand-driven: each pull
 * reads one batch from the ConsumeQueue on the plugin dispatcher. A live stream that has caught up
 * waits for the store's append notification for its persistence id, so new events arrive as soon
 * as their write is confirmed, with no polling.
 *
 * <p>Offsets are {@link Offset#sequence} of the sequence nr. Events removed by retention are
 * skipped like deleted ones: a stream asked to start below the retained range starts at its lowest
 * event, so a reader sees the gap as a jump in sequence numbers.
 */
public final class SluiceReadJournal
    implements ReadJournal,
        EventsByPersistenceIdQuery,
        CurrentEventsByPersistenceIdQuery,
        CurrentPersistenceIdsQuery {

  /** The default config path of this read journal. */
  public static final String IDENTIFIER = "sluice.persistence.query";

  private final MessageStore store;
  private final EventSerde serde;
  private final Executor blockingIo;
  private final int maxBatchSize;

  SluiceReadJournal(MessageStore store, EventSerde serde, Executor blockingIo, int maxBatchSize) {
    this.store = store;
    this.serde = serde;
    this.blockingIo = blockingIo;
    this.maxBatchSize = maxBatchSize;
  }

  /** Events from {@code from} to {@code to}, then new ones as they are written, until {@code to}. */
  @Override
  public Source<EventEnvelope, NotUsed> eventsByPersistenceId(String persistenceId, long from, long to) {
    return events(persistenceId, from, to, true);
  }

  /** Events from {@code from} to {@code to} that exist when the stream starts, then completes. */
  @Override
  public Source<EventEnvelope, NotUsed> currentEventsByPersistenceId(String persistenceId, long from, long to) {
    return Source.lazySource(
            () -> events(persistenceId, from, Math.min(to, store.highestSequenceNr(persistenceId)), false))
        .mapMaterializedValue(ignored -> NotUsed.notUsed());
  }

  /** Every persistence id with at least one event when the stream starts, in no particular order. */
  @Override
  public Source<String, NotUsed> currentPersistenceIds() {
    return Source.lazySource(() -> Source.from(List.copyOf(store.persistenceIds())))
        .mapMaterializedValue(ignored -> NotUsed.notUsed());
  }

  private Source<EventEnvelope, NotUsed> events(String persistenceId, long from, long to, boolean live) {
    return Source.unfoldAsync(Math.max(1, from), next -> step(persistenceId, next, to, live))
        .mapConcat(batch -> batch);
  }

  /** The next batch and where to continue, or empty when the stream is done. */
  private CompletionStage<Optional<Pair<Long, List<EventEnvelope>>>> step(
      String persistenceId, long next, long to, boolean live) {
    if (next > to) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    // Read before the batch: an event appended during the read must not be mistaken for a hole.
    long highest = store.highestSequenceNr(persistenceId);
    return CompletableFuture.supplyAsync(() -> read(persistenceId, next, to), blockingIo)
        .thenCompose(
            batch -> {
              if (!batch.isEmpty()) {
                long after = batch.get(batch.size() - 1).sequenceNr() + 1;
                return CompletableFuture.completedFuture(Optional.of(Pair.create(after, batch)));
              }
              if (highest >= next) {
                // Only deleted events or holes were left up to the highest: skip past them.
                long after = Math.min(to, highest) + 1;
                return CompletableFuture.completedFuture(Optional.of(Pair.create(after, List.of())));
              }
              if (!live) {
                return CompletableFuture.completedFuture(Optional.empty());
              }
              return store
                  .awaitAppend(persistenceId, next - 1)
                  .thenComposeAsync(woken -> step(persistenceId, next, to, true), blockingIo);
            });
  }

  private List<EventEnvelope> read(String persistenceId, long from, long to) {
    try {
      List<StoredRecord> records = store.readRetained(persistenceId, from, to, maxBatchSize);
      List<EventEnvelope> envelopes = new ArrayList<>(records.size());
      for (StoredRecord r : records) {
        envelopes.add(
            new EventEnvelope(
                Offset.sequence(r.sequenceNr()),
                r.persistenceId(),
                r.sequenceNr(),
                serde.event(r),
                r.timestamp(),
                Option.empty()));
      }
      return envelopes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
