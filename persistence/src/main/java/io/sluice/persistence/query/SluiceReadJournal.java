package io.sluice.persistence.query;

import io.sluice.persistence.journal.EventSerde;
import io.sluice.persistence.store.FilterTags;
import io.sluice.persistence.store.FilteredRead;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoredRecord;
import io.sluice.protocol.query.EventsByPersistenceIdAndTagsQuery;
import io.sluice.protocol.query.FilteredOut;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
 * reads one batch (at most {@code max-batch-size} events and, beyond one, {@code max-batch-bytes})
 * from the ConsumeQueue on the plugin dispatcher. A live stream that has caught up
 * waits for the store's append notification for its persistence id, so new events arrive as soon
 * as their write is confirmed, with no polling.
 *
 * <p>With {@code sync} replication every query sees only committed events (below the store's
 * commit position, {@link MessageStore#visibleHighestSequenceNr}): a live stream waits for the
 * commit position to pass its next event, and a current one ends before the first uncommitted
 * event. A consumer thus never sees an event that a failover can remove.
 *
 * <p>Offsets are {@link Offset#sequence} of the sequence nr. Events removed by retention are
 * skipped like deleted ones: a stream asked to start below the retained range starts at its lowest
 * event, so a reader sees the gap as a jump in sequence numbers.
 *
 * <p>{@link EventsByPersistenceIdAndTagsQuery} compares each entry's tag hash in the ConsumeQueue
 * and reads from the CommitLog only the events it may accept (the tags of those read are compared
 * exactly); a step examines at most {@code max-filter-scan} entries.
 */
public final class SluiceReadJournal
    implements ReadJournal,
        EventsByPersistenceIdQuery,
        CurrentEventsByPersistenceIdQuery,
        CurrentPersistenceIdsQuery,
        EventsByPersistenceIdAndTagsQuery {

  /** The default config path of this read journal. */
  public static final String IDENTIFIER = "sluice.persistence.query";

  private final MessageStore store;
  private final EventSerde serde;
  private final Executor blockingIo;
  private final int maxBatchSize;
  private final long maxBatchBytes;
  private final int maxFilterScan;

  SluiceReadJournal(
      MessageStore store, EventSerde serde, Executor blockingIo, int maxBatchSize, long maxBatchBytes, int maxFilterScan) {
    this.store = store;
    this.serde = serde;
    this.blockingIo = blockingIo;
    this.maxBatchSize = maxBatchSize;
    this.maxBatchBytes = maxBatchBytes;
    this.maxFilterScan = maxFilterScan;
  }

  /** Events from {@code from} to {@code to}, then new ones as they are written, until {@code to}. */
  @Override
  public Source<EventEnvelope, NotUsed> eventsByPersistenceId(String persistenceId, long from, long to) {
    return events(persistenceId, from, to, true, (next, last) -> read(persistenceId, next, last));
  }

  /** Events from {@code from} to {@code to} that exist when the stream starts, then completes. */
  @Override
  public Source<EventEnvelope, NotUsed> currentEventsByPersistenceId(String persistenceId, long from, long to) {
    return Source.lazySource(() -> {
          long last = Math.min(to, store.visibleHighestSequenceNr(persistenceId));
          return events(persistenceId, from, last, false, (next, upTo) -> read(persistenceId, next, upTo));
        })
        .mapMaterializedValue(ignored -> NotUsed.notUsed());
  }

  @Override
  public Source<EventEnvelope, NotUsed> eventsByPersistenceIdAndTags(
      String persistenceId, long from, long to, Set<String> filterTags) {
    FilterTags filter = store.filterTags(filterTags);
    return events(persistenceId, from, to, true, (next, last) -> readFiltered(persistenceId, next, last, filter));
  }

  @Override
  public Source<EventEnvelope, NotUsed> currentEventsByPersistenceIdAndTags(
      String persistenceId, long from, long to, Set<String> filterTags) {
    FilterTags filter = store.filterTags(filterTags);
    return Source.lazySource(() -> {
          long last = Math.min(to, store.visibleHighestSequenceNr(persistenceId));
          return events(persistenceId, from, last, false, (next, upTo) -> readFiltered(persistenceId, next, upTo, filter));
        })
        .mapMaterializedValue(ignored -> NotUsed.notUsed());
  }

  /** Every persistence id with at least one event when the stream starts, in no particular order. */
  @Override
  public Source<String, NotUsed> currentPersistenceIds() {
    return Source.lazySource(() -> Source.from(List.copyOf(store.persistenceIds())))
        .mapMaterializedValue(ignored -> NotUsed.notUsed());
  }

  /** One step's envelopes, and the sequence nr after the last entry the step examined. */
  private record Batch(List<EventEnvelope> envelopes, long next) {}

  /** Reads one step from a sequence nr up to another (blocking; on the plugin dispatcher). */
  @FunctionalInterface
  private interface BatchReader {
    Batch read(long from, long to) throws IOException;
  }

  private Source<EventEnvelope, NotUsed> events(
      String persistenceId, long from, long to, boolean live, BatchReader reader) {
    return Source.unfoldAsync(Math.max(1, from), next -> step(persistenceId, next, to, live, reader))
        .mapConcat(batch -> batch);
  }

  /** The next batch and where to continue, or empty when the stream is done. */
  private CompletionStage<Optional<Pair<Long, List<EventEnvelope>>>> step(
      String persistenceId, long next, long to, boolean live, BatchReader reader) {
    if (next > to) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    // Read before the batch, which stops there: an event appended during the read must not be
    // mistaken for a hole, and with sync replication nothing past the commit position is read.
    long highest = store.visibleHighestSequenceNr(persistenceId);
    long last = Math.min(to, highest);
    return CompletableFuture.supplyAsync(() -> readStep(reader, next, last), blockingIo)
        .thenCompose(
            batch -> {
              if (batch.next() > next) {
                return CompletableFuture.completedFuture(Optional.of(Pair.create(batch.next(), batch.envelopes())));
              }
              if (highest >= next) {
                // Only deleted events or holes were left up to the highest: skip past them.
                long after = last + 1;
                return CompletableFuture.completedFuture(Optional.of(Pair.create(after, List.of())));
              }
              if (!live) {
                return CompletableFuture.completedFuture(Optional.empty());
              }
              return store
                  .awaitVisible(persistenceId, next - 1)
                  .thenComposeAsync(woken -> step(persistenceId, next, to, true, reader), blockingIo);
            });
  }

  private static Batch readStep(BatchReader reader, long from, long to) {
    try {
      return reader.read(from, to);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Batch read(String persistenceId, long from, long to) throws IOException {
    List<StoredRecord> records = store.readRetained(persistenceId, from, to, maxBatchSize, maxBatchBytes);
    List<EventEnvelope> envelopes = new ArrayList<>(records.size());
    for (StoredRecord r : records) {
      envelopes.add(envelope(r));
    }
    return new Batch(envelopes, records.isEmpty() ? from : records.get(records.size() - 1).sequenceNr() + 1);
  }

  private Batch readFiltered(String persistenceId, long from, long to, FilterTags filter) throws IOException {
    FilteredRead read = store.readFiltered(persistenceId, from, to, filter, maxBatchSize, maxFilterScan, maxBatchBytes);
    List<EventEnvelope> envelopes = new ArrayList<>(read.entries().size());
    for (FilteredRead.Entry entry : read.entries()) {
      if (entry instanceof FilteredRead.Matched matched) {
        envelopes.add(envelope(matched.record()));
      } else {
        FilteredRead.Skipped skipped = (FilteredRead.Skipped) entry;
        envelopes.add(new EventEnvelope(
            Offset.sequence(skipped.toSequenceNr()), persistenceId, skipped.toSequenceNr(),
            new FilteredOut(skipped.fromSequenceNr(), skipped.toSequenceNr()), 0L, Option.empty()));
      }
    }
    return new Batch(envelopes, read.nextSequenceNr());
  }

  private EventEnvelope envelope(StoredRecord r) {
    return new EventEnvelope(
        Offset.sequence(r.sequenceNr()), r.persistenceId(), r.sequenceNr(), serde.event(r), r.timestamp(), Option.empty());
  }
}
