package io.sluice.client.internal;

import io.grpc.Status;
import io.sluice.client.BrokerUnavailableException;
import io.sluice.client.Reason;
import io.sluice.client.SendReceipt;
import io.sluice.client.SluiceException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The messages a producer sends to one gateway: a {@link Batcher} feeding one {@link ProduceStream}
 * at a time, which keeps at most {@code maxInFlightRequests} batches unanswered. The endpoint is
 * looked up again whenever a new stream opens (the client's current endpoint for the fallback lane,
 * a fixed node for a direct one). Thread-safe.
 */
final class ProduceLane {
  private final ClientContext context;
  private final Supplier<EndpointPool.Endpoint> endpoint;
  private final int maxInFlightRequests;
  private final Consumer<Batch> onBatchDone;
  private final BiConsumer<ProduceStream, SluiceException> onStreamFailed;
  private final BiConsumer<Batch, SluiceException> onDispatchFailed;
  private final Batcher batcher;
  private volatile ProduceStream stream; // replaced under this

  /**
   * Creates a lane; its stream opens on the first batch.
   *
   * @param onBatchDone told on a stream thread when a batch is answered or failed, before the lane
   *     is told the stream may have room
   * @param onStreamFailed told when a stream fails (not after an orderly close)
   * @param onDispatchFailed given a batch no stream took and why, under the batcher's lock
   */
  ProduceLane(
      ClientContext context,
      Supplier<EndpointPool.Endpoint> endpoint,
      int batchSizeBytes,
      long lingerNanos,
      Batcher.LingerTimer linger,
      int maxInFlightRequests,
      Consumer<Batch> onBatchDone,
      BiConsumer<ProduceStream, SluiceException> onStreamFailed,
      BiConsumer<Batch, SluiceException> onDispatchFailed) {
    this.context = context;
    this.endpoint = endpoint;
    this.maxInFlightRequests = maxInFlightRequests;
    this.onBatchDone = onBatchDone;
    this.onStreamFailed = onStreamFailed;
    this.onDispatchFailed = onDispatchFailed;
    this.batcher = new Batcher(batchSizeBytes, lingerNanos, linger, this::streamHasRoom, this::dispatch);
  }

  boolean add(io.sluice.protocol.v1.Message message, int sizeBytes, CompletableFuture<SendReceipt> future) {
    return batcher.add(message, sizeBytes, future);
  }

  boolean addSync(
      List<io.sluice.protocol.v1.Message> messages, int[] sizesBytes, List<CompletableFuture<SendReceipt>> futures) {
    return batcher.addSync(messages, sizesBytes, futures);
  }

  void flush() {
    batcher.flush();
  }

  /** Flushes, refuses further messages and half-closes the stream; see {@link #done()}. */
  void close() {
    batcher.close();
    ProduceStream s = stream;
    if (s != null) {
      s.complete();
    }
  }

  /** The current stream, null before the first batch. */
  ProduceStream stream() {
    return stream;
  }

  /** Runs under the batcher's lock: wire order is batch order. */
  private void dispatch(Batch batch) {
    try {
      ProduceStream s = openStream();
      if (s.send(batch)) {
        return;
      }
      // the stream ended between the check and the offer: the next one takes the batch
      ProduceStream fresh = openStream();
      if (fresh != s && fresh.send(batch)) {
        return;
      }
      onDispatchFailed.accept(
          batch,
          new BrokerUnavailableException(
              Reason.UNSPECIFIED,
              Status.Code.UNAVAILABLE,
              "produce stream to " + s.endpoint().address() + " is not accepting requests",
              null));
    } catch (RuntimeException e) {
      onDispatchFailed.accept(batch, ErrorMapper.fromThrowable(e));
    }
  }

  private synchronized ProduceStream openStream() {
    if (stream == null || stream.isTerminated()) {
      stream = ProduceStream.open(endpoint.get(), context, maxInFlightRequests, this::batchDone, this::terminated);
    }
    return stream;
  }

  /** Called under the batcher's lock. */
  private boolean streamHasRoom() {
    ProduceStream s = stream;
    return s == null || s.hasRoom();
  }

  private void batchDone(Batch batch) {
    onBatchDone.accept(batch);
    batcher.sinkHasRoom();
  }

  private void terminated(ProduceStream s, SluiceException cause) {
    if (cause != null) {
      onStreamFailed.accept(s, cause);
    }
  }
}
