package io.sluice.client.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * A delivery held by a push consumer, from arrival until its outcome is sent: the stream it came
 * on, its renewal timer and any renewal in flight. Thread-safe.
 */
final class HeldDelivery {
  private static final CompletableFuture<Void> NONE = CompletableFuture.completedFuture(null);

  final MessageViewImpl view;
  final ConsumeSession session;
  private ScheduledFuture<?> renewTimer; // guarded by this
  private CompletableFuture<Void> renewal = NONE; // guarded by this
  private boolean finished; // guarded by this

  HeldDelivery(MessageViewImpl view, ConsumeSession session) {
    this.view = view;
    this.session = session;
  }

  synchronized void setRenewTimer(ScheduledFuture<?> timer) {
    if (finished && timer != null) {
      timer.cancel(false);
    } else {
      renewTimer = timer;
    }
  }

  /**
   * @return false if the listener is done: no renewal needed
   */
  synchronized boolean startRenewal() {
    if (finished) {
      return false;
    }
    renewal = new CompletableFuture<>();
    return true;
  }

  /**
   * @return true if the listener still runs, so the next renewal should be scheduled
   */
  boolean endRenewal() {
    CompletableFuture<Void> r;
    boolean again;
    synchronized (this) {
      r = renewal;
      again = !finished;
    }
    r.complete(null);
    return again;
  }

  /** Marks the listener done; the outcome waits for the returned renewal. */
  synchronized CompletableFuture<Void> finish() {
    finished = true;
    if (renewTimer != null) {
      renewTimer.cancel(false);
    }
    return renewal;
  }
}
