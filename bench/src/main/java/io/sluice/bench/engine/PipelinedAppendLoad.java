package io.sluice.bench.engine;

import io.sluice.bench.measure.Load;
import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * Many callers without many threads: one submitting thread keeps up to {@code inFlight}
 * single-event atomic writes outstanding, round-robin over {@code ids} persistence ids. One
 * submitter keeps each id's sequence numbers in submission order, as the journal does per actor.
 * Latency is submit to future completion, so it includes the wait behind the other writes in
 * flight.
 *
 * <p>Thread-safety: counters are read from the measuring thread; completions run on the store's
 * writer thread.
 */
public final class PipelinedAppendLoad implements Load {
  private final MessageStore store;
  private final String[] ids;
  private final long[] sequenceNrs;
  private final int inFlight;
  private final byte[] payload;
  private final EventFactory events;
  private final Semaphore permits;
  private final LongAdder completed = new LongAdder();
  private final Recorder latency = new Recorder(3);
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final Thread submitter;
  private volatile boolean stopping;

  /** Builds the event to append; {@link BenchEvents#event} unless a case needs tags. */
  @FunctionalInterface
  public interface EventFactory {
    EventRecord create(String persistenceId, long sequenceNr, byte[] payload);
  }

  public PipelinedAppendLoad(MessageStore store, int ids, int inFlight, byte[] payload) {
    this(store, ids, inFlight, payload, BenchEvents::event);
  }

  public PipelinedAppendLoad(
      MessageStore store, int ids, int inFlight, byte[] payload, EventFactory events) {
    this.store = store;
    this.ids = new String[ids];
    for (int i = 0; i < ids; i++) {
      this.ids[i] = BenchEvents.persistenceId(i);
    }
    this.sequenceNrs = new long[ids];
    this.inFlight = inFlight;
    this.payload = payload;
    this.events = events;
    this.permits = new Semaphore(inFlight);
    this.submitter = new Thread(this::submitLoop, "bench-submitter");
  }

  @Override
  public void start() {
    submitter.start();
  }

  private void submitLoop() {
    int next = 0;
    try {
      while (!stopping && failure.get() == null) {
        if (!permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
        int id = next;
        next = next + 1 == ids.length ? 0 : next + 1;
        long started = System.nanoTime();
        store
            .append(List.of(events.create(ids[id], ++sequenceNrs[id], payload)))
            .whenComplete(
                (ok, error) -> {
                  if (error != null) {
                    failure.compareAndSet(null, error);
                  } else {
                    latency.recordValue(System.nanoTime() - started);
                    completed.increment();
                  }
                  permits.release();
                });
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public long completedOperations() {
    return completed.sum();
  }

  @Override
  public long payloadBytesPerOperation() {
    return payload.length;
  }

  @Override
  public Recorder latency() {
    return latency;
  }

  @Override
  public long logPosition() {
    return store.confirmedPosition();
  }

  @Override
  public void stop() throws Exception {
    stopping = true;
    submitter.join();
    if (!permits.tryAcquire(inFlight, 60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("appends still in flight 60 s after the load stopped");
    }
    Throwable failed = failure.get();
    if (failed != null) {
      throw new IllegalStateException("an append failed", failed);
    }
  }
}
