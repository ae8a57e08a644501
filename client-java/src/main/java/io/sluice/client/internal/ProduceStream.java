package io.sluice.client.internal;

import io.grpc.Status;
import io.sluice.client.BrokerUnavailableException;
import io.sluice.client.Reason;
import io.sluice.client.SluiceException;
import io.sluice.protocol.v1.ProduceRequest;
import io.sluice.protocol.v1.ProduceResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * One {@code Produce} bidi stream. Batches are queued for the wire and remembered in send order;
 * the broker answers each request with one response, in order, so each response completes the
 * oldest unanswered batch. When the stream ends, every unanswered batch fails with the mapped cause
 * and the stream is done for good (the producer opens a new one on its next send). A batch
 * unanswered after the receipt timeout aborts the stream: the broker is presumed stuck.
 * Thread-safe.
 */
final class ProduceStream {
  private final EndpointPool.Endpoint endpoint;
  private final ClientContext context;
  private final long receiptTimeoutMs;
  private final Consumer<Batch> onBatchDone;
  private final BiConsumer<ProduceStream, SluiceException> onTerminated;

  private final ArrayDeque<Batch> unanswered = new ArrayDeque<>(); // guarded by this
  private boolean terminated; // guarded by this
  private volatile BoundedSourceQueue<ProduceRequest> requests;
  private volatile UniqueKillSwitch killSwitch;
  private volatile CompletionStage<Done> done;

  private ProduceStream(
      EndpointPool.Endpoint endpoint,
      ClientContext context,
      Consumer<Batch> onBatchDone,
      BiConsumer<ProduceStream, SluiceException> onTerminated) {
    this.endpoint = endpoint;
    this.context = context;
    this.receiptTimeoutMs = context.requestTimeout().toMillis();
    this.onBatchDone = onBatchDone;
    this.onTerminated = onTerminated;
  }

  /**
   * Opens a stream on an endpoint.
   *
   * @param endpoint where
   * @param context the client
   * @param queueCapacity most batches waiting for the wire (the byte budget bounds them first)
   * @param onBatchDone called once per batch when it is answered or failed, before its futures
   *     complete
   * @param onTerminated called once when the stream ends, with the failure given to the unanswered
   *     batches (null after an orderly close)
   * @return the running stream
   */
  static ProduceStream open(
      EndpointPool.Endpoint endpoint,
      ClientContext context,
      int queueCapacity,
      Consumer<Batch> onBatchDone,
      BiConsumer<ProduceStream, SluiceException> onTerminated) {
    ProduceStream s = new ProduceStream(endpoint, context, onBatchDone, onTerminated);
    s.start(queueCapacity);
    return s;
  }

  private void start(int queueCapacity) {
    Materializer mat = context.materializer();
    Pair<BoundedSourceQueue<ProduceRequest>, Source<ProduceRequest, NotUsed>> queue =
        Source.<ProduceRequest>queue(queueCapacity).preMaterialize(mat);
    Pair<UniqueKillSwitch, CompletionStage<Done>> running =
        endpoint
            .messaging()
            .produce(queue.second())
            .viaMat(KillSwitches.single(), Keep.right())
            .toMat(Sink.foreach(this::onResponse), Keep.both())
            .run(mat);
    synchronized (this) {
      requests = queue.first();
      killSwitch = running.first();
      done = running.second();
    }
    done.whenComplete((ok, failure) -> onEnd(failure));
  }

  EndpointPool.Endpoint endpoint() {
    return endpoint;
  }

  synchronized boolean isTerminated() {
    return terminated;
  }

  /**
   * Queues a batch for the wire.
   *
   * @param batch the batch
   * @return false if the stream has ended or its queue is full; the batch was not taken
   */
  boolean send(Batch batch) {
    synchronized (this) {
      if (terminated) {
        return false;
      }
      unanswered.addLast(batch);
      if (!requests.offer(batch.request()).isEnqueued()) {
        unanswered.removeLast();
        return false;
      }
    }
    batch.timeout(context.schedule(receiptTimeoutMs, () -> onReceiptTimeout(batch)));
    return true;
  }

  /** Half-closes: no more requests; the broker answers what it has and ends the stream. */
  synchronized void complete() {
    if (!terminated) {
      requests.complete();
    }
  }

  /**
   * Ends the stream now; unanswered batches fail with {@code failure}.
   *
   * @param failure the failure
   */
  void abort(SluiceException failure) {
    killSwitch.abort(failure);
  }

  CompletionStage<Done> done() {
    return done;
  }

  private void onResponse(ProduceResponse response) {
    Batch batch;
    synchronized (this) {
      batch = unanswered.pollFirst();
    }
    if (batch == null) {
      abort(
          new SluiceException(
              Reason.UNSPECIFIED,
              Status.Code.INTERNAL,
              "broker sent a produce response for no outstanding request",
              null));
      return;
    }
    onBatchDone.accept(batch);
    batch.complete(response);
  }

  private void onReceiptTimeout(Batch batch) {
    if (!batch.isDone()) {
      abort(
          new BrokerUnavailableException(
              Reason.UNSPECIFIED,
              Status.Code.DEADLINE_EXCEEDED,
              "no receipt from " + endpoint.address() + " within " + receiptTimeoutMs + " ms",
              null));
    }
  }

  private void onEnd(Throwable failure) {
    List<Batch> failed;
    synchronized (this) {
      terminated = true;
      failed = new ArrayList<>(unanswered);
      unanswered.clear();
    }
    SluiceException cause =
        failure != null
            ? ErrorMapper.fromThrowable(failure)
            : new BrokerUnavailableException(
                Reason.UNSPECIFIED,
                Status.Code.UNAVAILABLE,
                "produce stream to "
                    + endpoint.address()
                    + " ended with "
                    + failed.size()
                    + " batches unanswered",
                null);
    for (Batch b : failed) {
      onBatchDone.accept(b);
      b.fail(cause);
    }
    onTerminated.accept(this, failure == null && failed.isEmpty() ? null : cause);
  }
}
