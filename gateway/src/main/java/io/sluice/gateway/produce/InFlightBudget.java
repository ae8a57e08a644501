package io.sluice.gateway.produce;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes accepted by the node but not yet stored. Producers that would push it past its limit are
 * told the broker is busy instead of growing the heap: both when a request's gRPC message is about
 * to be read and when the parsed request is to be stored.
 *
 * <p>Thread-safety: any thread.
 */
public final class InFlightBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  public InFlightBudget(long limit) {
    this.limit = limit;
  }

  /** Takes {@code bytes} if they fit; false (nothing taken) otherwise. */
  public boolean tryAcquire(long bytes) {
    while (true) {
      long now = used.get();
      if (now + bytes > limit) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  public void release(long bytes) {
    used.addAndGet(-bytes);
  }

  public long used() {
    return used.get();
  }
}
