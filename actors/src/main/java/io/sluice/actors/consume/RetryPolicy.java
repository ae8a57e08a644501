package io.sluice.actors.consume;

import io.sluice.actors.CborSerializable;
import java.util.ArrayList;
import java.util.List;

/**
 * How a consumer group retries a message whose delivery failed (nack without a delay, or the
 * invisible time passed): after failed attempt {@code n} the message is redelivered after {@link
 * #delayMsAfter(int) delayMsAfter(n)}; after failed attempt {@link #maxAttempts()} it goes to the
 * group's dead-letter queue.
 *
 * @param maxAttempts deliveries before a message is dead-lettered, 1 .. {@link #MAX_ATTEMPTS}
 * @param delaysMs delay after failed attempt 1, 2, ...; the last one repeats
 */
public record RetryPolicy(int maxAttempts, List<Long> delaysMs) implements CborSerializable {
  public static final int MAX_ATTEMPTS = 1000;
  public static final int MAX_DELAYS = 100;
  public static final long MAX_DELAY_MS = 7L * 24 * 3600 * 1000;
  public static final int DEFAULT_MAX_ATTEMPTS = 16;

  /** The default: 16 attempts, the 15 delays growing geometrically from 10 s to 2 h. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(DEFAULT_MAX_ATTEMPTS, exponential(10_000, 7_200_000, DEFAULT_MAX_ATTEMPTS - 1));

  public RetryPolicy {
    delaysMs = List.copyOf(delaysMs);
    String problem = problem(maxAttempts, delaysMs);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /** Why {@code maxAttempts} and {@code delaysMs} make no policy, or null if they do. */
  public static String problem(int maxAttempts, List<Long> delaysMs) {
    if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
      return "max attempts " + maxAttempts + " is outside 1 .. " + MAX_ATTEMPTS;
    }
    if (delaysMs.isEmpty() || delaysMs.size() > MAX_DELAYS) {
      return "a retry policy needs 1 .. " + MAX_DELAYS + " delays, not " + delaysMs.size();
    }
    for (int i = 0; i < delaysMs.size(); i++) {
      long d = delaysMs.get(i);
      if (d < 1 || d > MAX_DELAY_MS) {
        return "delay " + (i + 1) + " is " + d + " ms, outside 1 .. " + MAX_DELAY_MS + " ms";
      }
    }
    return null;
  }

  /**
   * {@code count} delays from {@code firstMs} to {@code lastMs}, each the previous times a constant
   * factor, rounded to whole seconds when at least a second.
   */
  static List<Long> exponential(long firstMs, long lastMs, int count) {
    List<Long> out = new ArrayList<>(count);
    double factor = count == 1 ? 1 : Math.pow((double) lastMs / firstMs, 1.0 / (count - 1));
    for (int i = 0; i < count; i++) {
      double d = firstMs * Math.pow(factor, i);
      out.add(d >= 1000 ? Math.round(d / 1000) * 1000 : Math.round(d));
    }
    return out;
  }

  /** True if a failure of {@code attempt} sends the message to the dead-letter queue. */
  public boolean isLast(int attempt) {
    return attempt >= maxAttempts;
  }

  /** The delay before redelivering a message whose attempt {@code failedAttempt} (from 1) failed. */
  public long delayMsAfter(int failedAttempt) {
    return delaysMs.get(Math.min(Math.max(failedAttempt, 1), delaysMs.size()) - 1);
  }
}
