package io.sluice.client.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: attempt n waits a delay drawn uniformly from the upper half of
 * {@code min(max, initial * 2^(n-1))}, so clients that failed together do not retry together.
 * Immutable.
 */
public final class Backoff {
  private final long initialMs;
  private final long maxMs;

  /**
   * Creates a backoff.
   *
   * @param initial the first delay
   * @param max the largest delay
   */
  public Backoff(Duration initial, Duration max) {
    this.initialMs = initial.toMillis();
    this.maxMs = max.toMillis();
  }

  /**
   * The delay before retry number {@code attempt}.
   *
   * @param attempt 1 for the first retry
   * @return the delay in ms
   */
  public long delayMs(int attempt) {
    int shift = Math.min(Math.max(attempt - 1, 0), 30);
    long base = Math.min(maxMs, initialMs << shift);
    if (base <= 1) {
      return base;
    }
    long half = base / 2;
    return half + ThreadLocalRandom.current().nextLong(base - half + 1);
  }
}
