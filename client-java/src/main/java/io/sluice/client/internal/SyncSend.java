package io.sluice.client.internal;

import io.grpc.Status;
import io.sluice.client.BrokerUnavailableException;
import io.sluice.client.Message;
import io.sluice.client.ProducerSettings;
import io.sluice.client.Reason;
import io.sluice.client.SendReceipt;
import io.sluice.client.SluiceException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

/**
 * One call of {@code Producer.send}: the messages go through the producer's batchers like
 * pipelined ones but without linger, and the caller waits for their receipts. Each attempt, run by
 * the {@link Retrier}, resends the messages whose latest outcome was retriable ({@code UNAVAILABLE},
 * e.g. a failed stream, {@code BROKER_BUSY} or {@code SEND_OUTCOME_UNKNOWN}) under the same message ids; messages stored or
 * rejected for good are not sent again. An attempt not fully answered within the request timeout
 * fails with {@code DEADLINE_EXCEEDED}, which is not retried (its messages may still be stored).
 *
 * <p>Attempts run one after another, each only after the previous one's futures completed, so the
 * state needs no lock. One instance per call; {@link #await()} once, from the calling thread.
 */
final class SyncSend {
  /** Takes one attempt's messages for the wire, like {@link Batcher#addSync}. */
  @FunctionalInterface
  interface Sink {
    /**
     * Adds the messages.
     *
     * @return false if the producer is closed
     */
    boolean addSync(
        List<io.sluice.protocol.v1.Message> messages,
        int[] sizesBytes,
        List<CompletableFuture<SendReceipt>> futures);
  }

  private final ClientContext context;
  private final Sink sink;
  private final List<io.sluice.protocol.v1.Message> protos;
  private final Consumer<SendReceipt> onStored;
  private final int[] sizesBytes;
  // the future of each message's latest attempt; null before its first
  private final List<CompletableFuture<SendReceipt>> latest;

  /**
   * Prepares a call.
   *
   * @param protos the messages in wire form (a transaction's half messages carry fields {@link
   *     Message} has not)
   * @param onStored told of each stored message, on the caller's thread, before {@link #await()}
   *     returns or throws: a failed call still reports the messages that were stored
   */
  SyncSend(
      ClientContext context,
      List<io.sluice.protocol.v1.Message> protos,
      Consumer<SendReceipt> onStored,
      Sink sink) {
    this.context = context;
    this.sink = sink;
    this.onStored = onStored;
    this.protos = List.copyOf(protos);
    int n = protos.size();
    this.sizesBytes = new int[n];
    this.latest = new ArrayList<>(Collections.nCopies(n, null));
    for (int i = 0; i < n; i++) {
      sizesBytes[i] = protos.get(i).getSerializedSize();
      if (sizesBytes[i] > ProducerSettings.MAX_REQUEST_BYTES) {
        // never sent (not retriable): it would fail the stream, and the other sends with it
        latest.set(
            i,
            CompletableFuture.failedFuture(
                ProducerImpl.tooLarge(protos.get(i).getMessageId(), sizesBytes[i])));
      }
    }
  }

  /**
   * Sends and waits.
   *
   * @return one receipt per message, in order
   * @throws SluiceException a copy of the first message's failure (typed as the original, which is
   *     its cause and may be shared with other sends of a failed stream), the other failures
   *     attached as suppressed exceptions; messages without failure were stored
   */
  List<SendReceipt> await() {
    // the stream chooses its endpoint; the retrier fails over after UNAVAILABLE all the same
    CompletableFuture<Void> attempts = context.retrier().call(endpoint -> attempt());
    Throwable failure = Blocking.await(attempts.handle((ok, f) -> f));
    return outcome(failure);
  }

  private CompletionStage<Void> attempt() {
    List<io.sluice.protocol.v1.Message> resend = new ArrayList<>();
    int[] resendSizes = new int[protos.size()];
    List<CompletableFuture<SendReceipt>> futures = new ArrayList<>();
    for (int i = 0; i < protos.size(); i++) {
      CompletableFuture<SendReceipt> previous = latest.get(i);
      SluiceException failure = failureOf(previous);
      if (previous == null || (failure != null && failure.isRetriable())) {
        CompletableFuture<SendReceipt> f = new CompletableFuture<>();
        latest.set(i, f);
        resendSizes[resend.size()] = sizesBytes[i];
        resend.add(protos.get(i));
        futures.add(f);
      }
    }
    if (!sink.addSync(resend, resendSizes, futures)) {
      IllegalStateException closed = new IllegalStateException("the producer is closed");
      futures.forEach(f -> f.completeExceptionally(closed));
    }
    CompletableFuture<Void> answered =
        CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]))
            .handle(
                (ok, ignored) -> {
                  for (CompletableFuture<SendReceipt> f : futures) {
                    SluiceException e = failureOf(f);
                    if (e != null && e.isRetriable()) {
                      throw e; // the retrier backs off and the next attempt resends these
                    }
                  }
                  return null;
                });
    long timeoutMs = context.requestTimeout().toMillis();
    ScheduledFuture<?> deadline =
        context.schedule(
            timeoutMs,
            () ->
                answered.completeExceptionally(
                    new BrokerUnavailableException(
                        Reason.UNSPECIFIED,
                        Status.Code.DEADLINE_EXCEEDED,
                        "no receipt within the request timeout of " + timeoutMs + " ms",
                        null)));
    if (deadline != null) {
      answered.whenComplete((ok, f) -> deadline.cancel(false));
    }
    return answered;
  }

  private List<SendReceipt> outcome(Throwable attemptsFailure) {
    List<SendReceipt> receipts = new ArrayList<>(latest.size());
    SluiceException first = null;
    Set<SluiceException> reported = Collections.newSetFromMap(new IdentityHashMap<>());
    for (CompletableFuture<SendReceipt> f : latest) {
      if (f != null && f.isDone() && !f.isCompletedExceptionally()) {
        receipts.add(f.join());
        onStored.accept(f.join());
        continue;
      }
      SluiceException e =
          f != null && f.isDone() ? failureOf(f) : ErrorMapper.fromThrowable(attemptsFailure);
      if (!reported.add(e)) {
        continue;
      }
      if (first == null) {
        first = ErrorMapper.create(e.reason(), e.statusCode(), e.getMessage(), e);
      } else {
        first.addSuppressed(e);
      }
    }
    if (first != null) {
      throw first;
    }
    return List.copyOf(receipts);
  }

  /** The mapped failure of a completed future; null if it is null, pending or succeeded. */
  private static SluiceException failureOf(CompletableFuture<SendReceipt> f) {
    if (f == null || !f.isCompletedExceptionally()) {
      return null;
    }
    try {
      f.join();
      return null;
    } catch (CompletionException | CancellationException e) {
      return ErrorMapper.fromThrowable(e);
    }
  }
}
