package io.sluice.client.internal;

import io.sluice.client.SendReceipt;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.ProduceRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Accumulates sends into batches, as Kafka's record accumulator does. A batch is handed on when the
 * next message would push it over {@code batchSizeBytes}, when it reaches that size, or on {@link
 * #flush()}; a message larger than the batch size travels alone. A batch becomes <em>ready</em>
 * when its first pipelined message has waited {@code linger}, or at once when a waiting sender
 * ({@link #addSync}) is in it; a ready batch is handed on as soon as the sink has room, and until
 * then keeps gathering messages. So a sink that bounds its requests in flight batches by itself:
 * what arrives while it is full leaves together when it has room ({@link #sinkHasRoom()}).
 *
 * <p>Batches leave in the order their messages arrived, and the sink is called under this object's
 * lock so that order is the order on the wire. Thread-safe; no method blocks.
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
  private final BooleanSupplier sinkHasRoom;
  private final Consumer<Batch> sink;

  private ProduceRequest.Builder request = ProduceRequest.newBuilder();
  private ArrayList<CompletableFuture<SendReceipt>> futures = new ArrayList<>();
  private int bytes;
  private int bufferedBytes;
  private boolean ready;
  private long generation;
  private Runnable cancelLinger;
  private boolean closed;

  /**
   * Creates a batcher.
   *
   * @param batchSizeBytes the size that triggers a batch
   * @param lingerNanos how long a batch of pipelined messages waits for more before it is ready; 0
   *     makes it ready at once
   * @param timer runs the linger
   * @param sinkHasRoom whether the sink takes a batch for the wire now; called under the batcher's
   *     lock, must not block
   * @param sink receives each batch, under the batcher's lock; must not block
   */
  public Batcher(
      int batchSizeBytes,
      long lingerNanos,
      LingerTimer timer,
      BooleanSupplier sinkHasRoom,
      Consumer<Batch> sink) {
    this.batchSizeBytes = batchSizeBytes;
    this.lingerNanos = lingerNanos;
    this.timer = timer;
    this.sinkHasRoom = sinkHasRoom;
    this.sink = sink;
  }

  /**
   * Adds a pipelined message; its bytes count as {@link Batch#bufferedBytes()}.
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
    append(message, sizeBytes, future, true);
    if (lingerNanos == 0) {
      markReady();
    }
    return true;
  }

  /**
   * Adds the messages of a sender that waits for their receipts: they do not linger, but leave as
   * soon as the sink has room, together with whatever else is batched then.
   *
   * @param messages the encoded messages, in order
   * @param sizesBytes their serialized sizes
   * @param futures completed with their receipts, in the same order
   * @return false if the batcher is closed (nothing was added)
   */
  public synchronized boolean addSync(
      List<Message> messages, int[] sizesBytes, List<CompletableFuture<SendReceipt>> futures) {
    if (closed) {
      return false;
    }
    for (int i = 0; i < messages.size(); i++) {
      append(messages.get(i), sizesBytes[i], futures.get(i), false);
    }
    markReady();
    return true;
  }

  /** Tells the batcher that the sink may have room again: a ready batch leaves if it has. */
  public synchronized void sinkHasRoom() {
    if (ready) {
      markReady();
    }
  }

  /** Hands on the current batch now, if there is one, whether or not the sink has room. */
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

  private void append(
      Message message, int sizeBytes, CompletableFuture<SendReceipt> future, boolean buffered) {
    if (!futures.isEmpty() && bytes + sizeBytes > batchSizeBytes) {
      emit();
    }
    if (futures.isEmpty() && buffered && lingerNanos > 0) {
      long g = generation;
      cancelLinger = timer.schedule(lingerNanos, () -> lingerExpired(g));
    }
    request.addMessages(message);
    futures.add(future);
    bytes += sizeBytes;
    if (buffered) {
      bufferedBytes += sizeBytes;
    }
    if (bytes >= batchSizeBytes) {
      emit();
    }
  }

  private void markReady() {
    if (futures.isEmpty()) {
      return;
    }
    ready = true;
    if (sinkHasRoom.getAsBoolean()) {
      emit();
    }
  }

  private void lingerExpired(long expectedGeneration) {
    synchronized (this) {
      // a batch emitted by size or flush bumped the generation: this timer belongs to it
      if (generation == expectedGeneration) {
        markReady();
      }
    }
  }

  private void emit() {
    if (cancelLinger != null) {
      cancelLinger.run();
      cancelLinger = null;
    }
    Batch batch = new Batch(request.build(), futures, bufferedBytes);
    generation++;
    request = ProduceRequest.newBuilder();
    futures = new ArrayList<>();
    bytes = 0;
    bufferedBytes = 0;
    ready = false;
    sink.accept(batch);
  }
}
