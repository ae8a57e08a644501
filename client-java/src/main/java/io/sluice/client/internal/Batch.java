package io.sluice.client.internal;

import io.sluice.client.SendReceipt;
import io.sluice.client.SluiceException;
import io.sluice.protocol.v1.ProduceRequest;
import io.sluice.protocol.v1.ProduceResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One {@code ProduceRequest} frame and the futures of its messages, in the same order. Completed
 * exactly once, by a response or a failure.
 */
public final class Batch {
  private final ProduceRequest request;
  private final List<CompletableFuture<SendReceipt>> futures;
  private final int bufferedBytes;
  private final AtomicBoolean done = new AtomicBoolean();
  private volatile ScheduledFuture<?> timeout;

  Batch(ProduceRequest request, List<CompletableFuture<SendReceipt>> futures, int bufferedBytes) {
    this.request = request;
    this.futures = futures;
    this.bufferedBytes = bufferedBytes;
  }

  /**
   * The frame to send.
   *
   * @return the request
   */
  public ProduceRequest request() {
    return request;
  }

  /**
   * The futures of the messages, in request order.
   *
   * @return the futures
   */
  public List<CompletableFuture<SendReceipt>> futures() {
    return futures;
  }

  /**
   * The encoded size of the {@code sendAsync} messages, which the producer's in-flight budget
   * counts ({@code send} callers wait, so they bound themselves).
   *
   * @return bytes
   */
  public int bufferedBytes() {
    return bufferedBytes;
  }

  boolean isDone() {
    return done.get();
  }

  void timeout(ScheduledFuture<?> timeout) {
    this.timeout = timeout;
    // answered before the timer was set: cancel it here, markDone saw none
    if (timeout != null && done.get()) {
      timeout.cancel(false);
    }
  }

  /**
   * Completes each future from the matching receipt.
   *
   * @param response the broker's answer to this batch
   * @return false if the batch was completed already
   */
  boolean complete(ProduceResponse response) {
    if (!markDone()) {
      return false;
    }
    int answered = response.getReceiptsCount();
    for (int i = 0; i < futures.size(); i++) {
      CompletableFuture<SendReceipt> f = futures.get(i);
      if (i >= answered) {
        f.completeExceptionally(
            new SluiceException(
                io.sluice.client.Reason.UNSPECIFIED,
                io.grpc.Status.Code.INTERNAL,
                "broker answered " + answered + " receipts for " + futures.size() + " messages",
                null));
        continue;
      }
      io.sluice.protocol.v1.SendReceipt r = response.getReceipts(i);
      if (r.getStatus().getCode() == 0) {
        f.complete(Protos.toReceipt(r));
      } else {
        f.completeExceptionally(ErrorMapper.fromItemStatus(r.getStatus()));
      }
    }
    return true;
  }

  /**
   * Fails every future.
   *
   * @param failure the failure
   * @return false if the batch was completed already
   */
  boolean fail(SluiceException failure) {
    if (!markDone()) {
      return false;
    }
    for (CompletableFuture<SendReceipt> f : futures) {
      f.completeExceptionally(failure);
    }
    return true;
  }

  private boolean markDone() {
    if (!done.compareAndSet(false, true)) {
      return false;
    }
    ScheduledFuture<?> t = timeout;
    if (t != null) {
      t.cancel(false);
    }
    return true;
  }
}
