package io.sluice.client.internal;

import io.grpc.Status;
import io.sluice.client.Reason;
import io.sluice.client.SluiceException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting for stages from synchronous API methods. */
public final class Blocking {
  private Blocking() {}

  /**
   * Waits for a stage that is bounded by a deadline of its own (every unary call has one).
   *
   * @param stage the stage
   * @param <T> the result type
   * @return its result
   * @throws SluiceException the mapped failure; interruption restores the flag and throws one with
   *     status {@code CANCELLED}
   */
  public static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get();
    } catch (ExecutionException e) {
      throw ErrorMapper.fromThrowable(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SluiceException(
          Reason.UNSPECIFIED, Status.Code.CANCELLED, "interrupted while waiting for the broker", e);
    }
  }

  /**
   * Waits up to a bound and swallows any failure (used on close paths).
   *
   * @param stage the stage
   * @param timeout the bound
   * @return true if the stage completed (either way) in time
   */
  static boolean awaitQuietly(CompletionStage<?> stage, Duration timeout) {
    try {
      stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException e) {
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
