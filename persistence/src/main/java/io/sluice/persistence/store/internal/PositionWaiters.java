package io.sluice.persistence.store.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Futures waiting for a growing position (the log end, the commit position) to reach a target.
 * Signalling costs one volatile read while nobody waits for the position reached, so the writer
 * can signal after every batch.
 *
 * <p>Futures complete on the signalling thread (often the writer's): continue asynchronously.
 *
 * <p>Thread-safety: any thread.
 */
public final class PositionWaiters {
  private record Waiter(long target, CompletableFuture<Void> future) {}

  private final PriorityQueue<Waiter> waiters =
      new PriorityQueue<>((a, b) -> Long.compare(a.target(), b.target()));
  /** The lowest target waited for, {@code Long.MAX_VALUE} if none. */
  private volatile long lowestTarget = Long.MAX_VALUE;

  /**
   * A future completed once the position reaches {@code target} ({@code current} at least {@code
   * target}); the check after registering closes the race with a concurrent signal. A future
   * completed otherwise (a timeout, a cancel) leaves at once.
   */
  public CompletableFuture<Void> await(long target, LongSupplier current) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    Waiter waiter = new Waiter(target, future);
    synchronized (this) {
      waiters.add(waiter);
      lowestTarget = waiters.peek().target();
    }
    future.whenComplete((ignored, failure) -> {
      if (failure != null) {
        remove(waiter);
      }
    });
    signal(current.getAsLong());
    return future;
  }

  /** Completes the futures whose target is at most {@code reached}. */
  public void signal(long reached) {
    if (reached < lowestTarget) {
      return;
    }
    List<CompletableFuture<Void>> due = new ArrayList<>();
    synchronized (this) {
      while (!waiters.isEmpty() && waiters.peek().target() <= reached) {
        due.add(waiters.poll().future());
      }
      updateLowest();
    }
    due.forEach(f -> f.complete(null));
  }

  public boolean hasWaiters() {
    return lowestTarget != Long.MAX_VALUE;
  }

  /** Fails every waiter, e.g. when the store closes. */
  public void failAll(Throwable cause) {
    List<Waiter> all;
    synchronized (this) {
      all = List.copyOf(waiters);
      waiters.clear();
      updateLowest();
    }
    all.forEach(w -> w.future().completeExceptionally(cause));
  }

  private synchronized void remove(Waiter waiter) {
    if (waiters.remove(waiter)) {
      updateLowest();
    }
  }

  private void updateLowest() {
    lowestTarget = waiters.isEmpty() ? Long.MAX_VALUE : waiters.peek().target();
  }
}
