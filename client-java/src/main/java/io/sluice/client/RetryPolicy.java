package io.sluice.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How the broker retries a consumer group's failed deliveries. After a nack without a delay of
 * attempt {@code n} the message comes back after {@code delays().get(n - 1)} (the last delay
 * repeats); a nack with a delay uses that delay; a delivery whose invisible time passed comes back
 * at once (the invisible time was its delay, as in RocketMQ 5). Each counts as a failed attempt:
 * after failed attempt {@link #maxAttempts()} the message moves to the group's dead-letter queue
 * {@code %DLQ%<group>}. The policy is stored by the broker
 * and applies to every member of the group ({@link Admin#setRetryPolicy}).
 *
 * <p>The default: 16 attempts, the 15 delays growing geometrically from 10 s to 2 h.
 *
 * @param maxAttempts deliveries before dead-lettering, 1 .. 1000
 * @param delays delay after failed attempt 1, 2, ... (1 ms .. 7 days each, 1 .. 100 of them)
 */
public record RetryPolicy(int maxAttempts, List<Duration> delays) {
  /**
   * Copies the delays.
   *
   * @param maxAttempts deliveries before dead-lettering
   * @param delays delay after failed attempt 1, 2, ...
   */
  public RetryPolicy {
    delays = List.copyOf(delays);
  }

  /**
   * A builder; without delays it builds the broker's default schedule.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link RetryPolicy}; the broker validates it when it is set. */
  public static final class Builder {
    private int maxAttempts;
    private final List<Duration> delays = new ArrayList<>();

    private Builder() {}

    /**
     * Deliveries before dead-lettering; by default 16 without delays, else the delays + 1.
     *
     * @param maxAttempts 1 .. 1000
     * @return this
     */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * The delays after failed attempt 1, 2, ...; the last repeats.
     *
     * @param delays the delays
     * @return this
     */
    public Builder delays(Duration... delays) {
      for (Duration d : delays) {
        this.delays.add(Objects.requireNonNull(d, "delay"));
      }
      return this;
    }

    /**
     * The policy; unset fields are sent as "default" and the broker fills them in.
     *
     * @return the policy
     */
    public RetryPolicy build() {
      return new RetryPolicy(maxAttempts, delays);
    }
  }
}
