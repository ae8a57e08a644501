package io.sluice.client;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of a {@link Producer}'s {@code Produce} stream, which carries both {@link
 * Producer#sendAsync} and {@link Producer#send}.
 *
 * @param batchSizeBytes a batch is sent once it holds this many bytes (encoded messages); default
 *     256 KiB, at most {@link #MAX_REQUEST_BYTES}. A message larger than this travels alone; one
 *     larger than {@link #MAX_REQUEST_BYTES} is refused by the producer with {@link
 *     MessageTooLargeException}.
 * @param linger how long the first {@code sendAsync} message of a batch waits for more; default 1
 *     ms. Zero: a batch leaves as soon as the stream has room for it. {@code send} never lingers.
 * @param maxInFlightBytes bytes handed to {@code sendAsync} and not yet acknowledged by the broker;
 *     default 16 MiB. A single message larger than this is rejected.
 * @param maxBlock how long {@code sendAsync} blocks when the in-flight bytes are exhausted; default
 *     zero: fail at once with {@link BrokerBusyException}
 * @param maxInFlightRequests batches sent on the stream and not yet answered; default 8, the
 *     gateway's default {@code produce-pipelining} (more would only wait at the broker). While the
 *     stream is full, messages gather into the next batch, which leaves when a batch is answered.
 *     Counted per stream: with direct routing, per node the producer sends to.
 * @param directRouting whether each message goes straight to the node owning the queue the broker
 *     will pick for it (predicted from the topic's route, see {@code QueueRoute}), one stream per
 *     node; default true. False: every message goes to the client's current endpoint, which
 *     forwards it inside the cluster (one hop more). Either way the broker picks the queue.
 * @param routeRefreshInterval how often a topic's cached route is fetched again; default 30 s. A
 *     route is also fetched again at once when a node it names fails a stream.
 */
public record ProducerSettings(
    int batchSizeBytes,
    Duration linger,
    long maxInFlightBytes,
    Duration maxBlock,
    int maxInFlightRequests,
    boolean directRouting,
    Duration routeRefreshInterval) {

  /**
   * The largest request the producer builds: the broker's default {@code max-request-size}. Its
   * {@code max-inbound-message-size} (17 MiB) leaves room for the request's framing, and a larger
   * gRPC message would fail the whole stream, not only its own sends.
   */
  public static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;

  /** Settings with every default. */
  public static final ProducerSettings DEFAULTS = builder().build();

  /**
   * Validates the components.
   *
   * @param batchSizeBytes positive, at most {@link #MAX_REQUEST_BYTES}
   * @param linger not negative
   * @param maxInFlightBytes at least {@code batchSizeBytes}, at most {@link Integer#MAX_VALUE}
   * @param maxBlock not negative
   * @param maxInFlightRequests positive
   * @param directRouting any
   * @param routeRefreshInterval positive
   */
  public ProducerSettings {
    Objects.requireNonNull(linger, "linger");
    Objects.requireNonNull(routeRefreshInterval, "routeRefreshInterval");
    if (routeRefreshInterval.isNegative() || routeRefreshInterval.isZero()) {
      throw new IllegalArgumentException("routeRefreshInterval must be positive: " + routeRefreshInterval);
    }
    Objects.requireNonNull(maxBlock, "maxBlock");
    if (batchSizeBytes <= 0 || batchSizeBytes > MAX_REQUEST_BYTES) {
      throw new IllegalArgumentException(
          "batchSizeBytes must be in [1, " + MAX_REQUEST_BYTES + "]: " + batchSizeBytes);
    }
    if (linger.isNegative() || maxBlock.isNegative()) {
      throw new IllegalArgumentException("linger and maxBlock must not be negative");
    }
    if (maxInFlightBytes < batchSizeBytes || maxInFlightBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "maxInFlightBytes must be in [batchSizeBytes, 2^31-1]: " + maxInFlightBytes);
    }
    if (maxInFlightRequests <= 0) {
      throw new IllegalArgumentException(
          "maxInFlightRequests must be positive: " + maxInFlightRequests);
    }
  }

  /**
   * Starts from the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link ProducerSettings}. */
  public static final class Builder {
    private int batchSizeBytes = 256 * 1024;
    private Duration linger = Duration.ofMillis(1);
    private long maxInFlightBytes = 16L * 1024 * 1024;
    private Duration maxBlock = Duration.ZERO;
    private int maxInFlightRequests = 8;
    private boolean directRouting = true;
    private Duration routeRefreshInterval = Duration.ofSeconds(30);

    private Builder() {}

    /**
     * Sets the batch size.
     *
     * @param batchSizeBytes bytes per batch
     * @return this builder
     */
    public Builder batchSizeBytes(int batchSizeBytes) {
      this.batchSizeBytes = batchSizeBytes;
      return this;
    }

    /**
     * Sets the linger.
     *
     * @param linger the wait for a batch to fill
     * @return this builder
     */
    public Builder linger(Duration linger) {
      this.linger = linger;
      return this;
    }

    /**
     * Sets the bound on unacknowledged bytes.
     *
     * @param maxInFlightBytes the bound
     * @return this builder
     */
    public Builder maxInFlightBytes(long maxInFlightBytes) {
      this.maxInFlightBytes = maxInFlightBytes;
      return this;
    }

    /**
     * Makes {@code sendAsync} block up to this long when the buffer is full.
     *
     * @param maxBlock zero to fail fast
     * @return this builder
     */
    public Builder maxBlock(Duration maxBlock) {
      this.maxBlock = maxBlock;
      return this;
    }

    /**
     * Sets how many batches may be sent and unanswered at once.
     *
     * @param maxInFlightRequests at least 1
     * @return this builder
     */
    public Builder maxInFlightRequests(int maxInFlightRequests) {
      this.maxInFlightRequests = maxInFlightRequests;
      return this;
    }

    /**
     * Sends each message straight to the node owning its predicted queue, or not.
     *
     * @param directRouting false to send everything to the current endpoint (forwarded)
     * @return this builder
     */
    public Builder directRouting(boolean directRouting) {
      this.directRouting = directRouting;
      return this;
    }

    /**
     * Sets how often cached routes are fetched again.
     *
     * @param routeRefreshInterval positive
     * @return this builder
     */
    public Builder routeRefreshInterval(Duration routeRefreshInterval) {
      this.routeRefreshInterval = routeRefreshInterval;
      return this;
    }

    /**
     * Builds the settings.
     *
     * @return the settings
     */
    public ProducerSettings build() {
      return new ProducerSettings(
          batchSizeBytes,
          linger,
          maxInFlightBytes,
          maxBlock,
          maxInFlightRequests,
          directRouting,
          routeRefreshInterval);
    }
  }
}
