package io.sluice.client.internal;

import io.grpc.Status;
import io.sluice.client.SluiceException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs a unary call, or an attempt of a synchronous send, with the client's retry policy: on
 * {@code UNAVAILABLE} or {@code BROKER_BUSY} it waits a {@link Backoff} delay and tries again, up
 * to {@code maxAttempts} attempts in all; {@code UNAVAILABLE} also fails over to the next
 * endpoint. Every failure comes out mapped by {@link ErrorMapper}. Thread-safe.
 */
public final class Retrier {
  private final EndpointPool pool;
  private final int maxAttempts;
  private final Backoff backoff;
  private final ScheduledExecutorService timer;

  Retrier(EndpointPool pool, int maxAttempts, Backoff backoff, ScheduledExecutorService timer) {
    this.pool = pool;
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
    this.timer = timer;
  }

  /**
   * Calls {@code op} on the current endpoint until it succeeds, fails for good, or runs out of
   * attempts. {@code op} must be safe to repeat.
   *
   * @param op one attempt
   * @param <T> the result type
   * @return the result, or a stage failed with a {@link SluiceException}
   */
  public <T> CompletableFuture<T> call(Function<EndpointPool.Endpoint, CompletionStage<T>> op) {
    CompletableFuture<T> result = new CompletableFuture<>();
    attempt(op, 1, result);
    return result;
  }

  private <T> void attempt(
      Function<EndpointPool.Endpoint, CompletionStage<T>> op, int n, CompletableFuture<T> result) {
    EndpointPool.Endpoint endpoint;
    CompletionStage<T> stage;
    try {
      endpoint = pool.current();
      stage = op.apply(endpoint);
    } catch (RuntimeException e) {
      result.completeExceptionally(ErrorMapper.fromThrowable(e));
      return;
    }
    stage.whenComplete(
        (value, failure) -> {
          if (failure == null) {
            result.complete(value);
            return;
          }
          SluiceException mapped = ErrorMapper.fromThrowable(failure);
          if (mapped.statusCode() == Status.Code.UNAVAILABLE) {
            pool.failover(endpoint);
          }
          if (!mapped.isRetriable() || n >= maxAttempts) {
            result.completeExceptionally(mapped);
            return;
          }
          try {
            timer.schedule(
                () -> attempt(op, n + 1, result), backoff.delayMs(n), TimeUnit.MILLISECONDS);
          } catch (RejectedExecutionException closing) {
            result.completeExceptionally(mapped);
          }
        });
  }
}
