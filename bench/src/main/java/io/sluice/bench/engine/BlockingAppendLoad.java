package io.sluice.bench.engine;

import io.sluice.bench.measure.Load;
import io.sluice.persistence.store.MessageStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * {@code threads} threads, each owning one persistence id, each appending one single-event atomic
 * write at a time and waiting for it ({@code append(...).get()}). With sync flush every wait spans
 * a force, so one thread alone means one fsync per write.
 *
 * <p>Thread-safety: counters are read from the measuring thread.
 */
public final class BlockingAppendLoad implements Load {
  private final MessageStore store;
  private final int threadCount;
  private final byte[] payload;
  private final LongAdder completed = new LongAdder();
  private final Recorder latency = new Recorder(3);
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopping;

  public BlockingAppendLoad(MessageStore store, int threads, byte[] payload) {
    this.store = store;
    this.threadCount = threads;
    this.payload = payload;
  }

  @Override
  public void start() {
    for (int i = 0; i < threadCount; i++) {
      String id = BenchEvents.persistenceId(i);
      Thread t = new Thread(() -> appendLoop(id), "bench-appender-" + i);
      threads.add(t);
      t.start();
    }
  }

  private void appendLoop(String id) {
    long sequenceNr = 0;
    try {
      while (!stopping && failure.get() == null) {
        long started = System.nanoTime();
        store.append(List.of(BenchEvents.event(id, ++sequenceNr, payload))).get();
        latency.recordValue(System.nanoTime() - started);
        completed.increment();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      failure.compareAndSet(null, e);
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
    for (Thread t : threads) {
      t.join();
    }
    Throwable failed = failure.get();
    if (failed != null) {
      throw new IllegalStateException("an append failed", failed);
    }
  }
}
