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
 * One {@code Produce} bidi stream. At most {@code maxInFlight} batches are on the wire unanswered
 * (Kafka's max.in.flight.requests); batches accepted beyond that wait here, in order, and go out as
 * answers arrive. The broker answers each request with one response, in order, so each response
 * completes the oldest batch on the wire. When the stream ends, every batch accepted and not
 * answered (sent or waiting) fails with the mapped cause and the stream is done for good (the
 * producer opens a new one on its next send). A batch unanswered after the receipt timeout, counted
 * from its acceptance, aborts the stream: the broker is presumed stuck. Thread-safe.
 */
final class ProduceStream {
  private final EndpointPool.Endpoint endpoint;
  private final ClientContext context;
  private final long receiptTimeoutMs;
  private final int maxInFlight;
  private final Consumer<Batch> onBatchDone;
  private final BiConsumer<ProduceStream, SluiceException> onTerminated;

  private final ArrayDeque<Batch> unanswered = new ArrayDeque<>(); // on the wire; guarded by this
  private final ArrayDeque<Batch> waiting = new ArrayDeque<>(); // for room; guarded by this
  private boolean terminated; // guarded by this
  private boolean closing; // guarded by this
  private volatile BoundedSourceQueue<ProduceRequest> requests;
  private volatile UniqueKillSwitch killSwitch;
  private volatile CompletionStage<Done> done;

  private ProduceStream(
      EndpointPool.Endpoint endpoint,
      ClientContext context,
      int maxInFlight,
      Consumer<Batch> onBatchDone,
      BiConsumer<ProduceStream, SluiceException> onTerminated) {
    this.endpoint = endpoint;
    this.context = context;
    this.receiptTimeoutMs = context.requestTimeout().toMillis();
    this.maxInFlight = maxInFlight;
    this.onBatchDone = onBatchDone;
    this.onTerminated = onTerminated;
  }

  /**
   * Opens a stream on an endpoint.
   *
   * @param endpoint where
   * @param context the client
   * @param maxInFlight most batches on the wire unanswered
   * @param onBatchDone called once per batch when it is answered or failed, before its futures
   *     complete; the stream may have room again then ({@link #hasRoom()})
   * @param onTerminated called once when the stream ends, with the failure given to the unanswered
   *     batches (null after an orderly close)
   * @return the running stream
   */
  static ProduceStream open(
      EndpointPool.Endpoint endpoint,
      ClientContext context,
      int maxInFlight,
      Consumer<Batch> onBatchDone,
      BiConsumer<ProduceStream, SluiceException> onTerminated) {
    ProduceStream s = new ProduceStream(endpoint, context, maxInFlight, onBatchDone, onTerminated);
    s.start();
    return s;
  }

  private void start() {
    Materializer mat = context.materializer();
    // never fuller than the batches on the wire, which are at most maxInFlight
    Pair<BoundedSourceQueue<ProduceRequest>, Source<ProduceRequest, NotUsed>> queue =
        Source.<ProduceRequest>queue(maxInFlight).preMaterialize(mat);
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
   * Whether a batch sent now would go on the wire at once; also true once the stream has ended
   * (the producer's next batch opens a new stream).
   *
   * @return true if fewer than {@code maxInFlight} batches are unanswered, or the stream ended
   */
  synchronized boolean hasRoom() {
    return terminated || (unanswered.size() < maxInFlight && waiting.isEmpty());
  }

  /**
   * Takes a batch: onto the wire if there is room, else it waits for an answer to make room.
   *
   * @param batch the batch
   * @return false if the stream has ended or is closing; the batch was not taken
   */
  boolean send(Batch batch) {
    synchronized (this) {
      if (terminated || closing) {
        return false;
      }
      if (unanswered.size() < maxInFlight && waiting.isEmpty()) {
        if (!requests.offer(batch.request()).isEnqueued()) {
          return false;
        }
        unanswered.addLast(batch);
      } else {
        waiting.addLast(batch);
      }
    }
    batch.timeout(context.schedule(receiptTimeoutMs, () -> onReceiptTimeout(batch)));
    return true;
  }

  /**
   * Half-closes once the waiting batches are on the wire: no more requests; the broker answers what
   * it has and ends the stream.
   */
  synchronized void complete() {
    closing = true;
    if (waiting.isEmpty()) {
      halfClose();
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
      if (batch != null) {
        sendWaiting();
      }
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

  /** Moves the oldest waiting batch onto the wire after an answer made room. Guarded by this. */
  private void sendWaiting() {
    Batch next = waiting.peekFirst();
    if (next == null || terminated) {
      return;
    }
    if (!requests.offer(next.request()).isEnqueued()) {
      return; // the stream is ending: onEnd fails what still waits
    }
    unanswered.addLast(waiting.pollFirst());
    if (closing && waiting.isEmpty()) {
      halfClose();
    }
  }

  /** Guarded by this. */
  private void halfClose() {
    if (terminated) {
      return;
    }
    try {
      requests.complete();
    } catch (IllegalStateException endedAlready) {
      // aborted or failed, and onEnd has not run yet: it fails what is unanswered
    }
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
      failed.addAll(waiting);
      unanswered.clear();
      waiting.clear();
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
    // first, so that a batch sent from onBatchDone opens its new stream on the next endpoint
    onTerminated.accept(this, failure == null && failed.isEmpty() ? null : cause);
    for (Batch b : failed) {
      onBatchDone.accept(b);
      b.fail(cause);
    }
  }
}
