package io.sluice.client.internal;

import io.sluice.client.SendReceipt;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.ProduceRequest;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Accumulates pipelined sends into batches, as Kafka's record accumulator does: a batch is handed
 * on when the next message would push it over {@code batchSizeBytes}, when it reaches that size,
 * when its first message has waited {@code linger}, or on {@link #flush()}. A message larger than
 * the batch size travels alone. Batches leave in the order their messages arrived, and the sink is
 * called under this object's lock so that order is the order on the wire. Thread-safe.
 */
public final class Batcher {
  /** Schedules the linger; the returned action cancels it. */
  @FunctionalInterface
  public interface LingerTimer {
    /**
     * Runs {@code task} after {@code delayNanos}.
     *
     * @param delayNanos the delay
     * @param task the task
     * @return cancels the task (harmless if it ran)
     */
    Runnable schedule(long delayNanos, Runnable task);
  }

  private final int batchSizeBytes;
  private final long lingerNanos;
  private final LingerTimer timer;
  private final Consumer<Batch> sink;

  private ProduceRequest.Builder request = ProduceRequest.newBuilder();
  private ArrayList<CompletableFuture<SendReceipt>> futures = new ArrayList<>();
  private int bytes;
  private long generation;
  private Runnable cancelLinger;
  private boolean closed;

  /**
   * Creates a batcher.
   *
   * @param batchSizeBytes the size that triggers a batch
   * @param lingerNanos how long a batch waits for more messages; 0 sends each message at once
   * @param timer runs the linger
   * @param sink receives each batch, under the batcher's lock; must not block
   */
  public Batcher(int batchSizeBytes, long lingerNanos, LingerTimer timer, Consumer<Batch> sink) {
    this.batchSizeBytes = batchSizeBytes;
    this.lingerNanos = lingerNanos;
    this.timer = timer;
    this.sink = sink;
  }

  /**
   * Adds a message.
   *
   * @param message the encoded message
   * @param sizeBytes its serialized size
   * @param future completed with its receipt
   * @return false if the batcher is closed (nothing was added)
   */
  public synchronized boolean add(
      Message message, int sizeBytes, CompletableFuture<SendReceipt> future) {
    if (closed) {
      return false;
    }
    if (!futures.isEmpty() && bytes + sizeBytes > batchSizeBytes) {
      emit();
    }
    if (futures.isEmpty() && lingerNanos > 0) {
      long g = generation;
      cancelLinger = timer.schedule(lingerNanos, () -> lingerExpired(g));
    }
    request.addMessages(message);
    futures.add(future);
    bytes += sizeBytes;
    if (bytes >= batchSizeBytes || lingerNanos == 0) {
      emit();
    }
    return true;
  }

  /** Hands on the current batch now, if there is one. */
  public synchronized void flush() {
    if (!futures.isEmpty()) {
      emit();
    }
  }

  /** Flushes and refuses further messages. */
  public synchronized void close() {
    flush();
    closed = true;
  }

  private void lingerExpired(long expectedGeneration) {
    synchronized (this) {
      // a batch emitted by size or flush bumped the generation: this timer belongs to it
      if (generation == expectedGeneration && !futures.isEmpty()) {
        emit();
      }
    }
  }

  private void emit() {
    if (cancelLinger != null) {
      cancelLinger.run();
      cancelLinger = null;
    }
    Batch batch = new Batch(request.build(), futures, bytes);
    generation++;
    request = ProduceRequest.newBuilder();
    futures = new ArrayList<>();
    bytes = 0;
    sink.accept(batch);
  }
}
