package io.sluice.client;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * What a {@link PushConsumer} consumes and how.
 *
 * @param group the consumer group
 * @param topic the topic
 * @param filter which messages to receive (see {@link Filter}); default {@link Filter#ALL}
 * @param consumptionThreads listener threads; default 4
 * @param maxCachedMessages the credit window: most messages delivered and not yet finished plus
 *     credit not yet used by the broker; default 64
 * @param invisibleDuration how long a delivered message stays invisible before the broker
 *     redelivers it unless acked or renewed; default 30 s, allowed 1 s .. 12 h
 * @param shutdownTimeout how long {@link PushConsumer#close()} waits for running listeners; default
 *     30 s
 * @param clientId identifies this consumer instance to the broker; default a random UUID. A
 *     broadcasting member must set it, and keep it across restarts: it names the member's position
 * @param broadcasting false (default): clustering, the group's members share the messages; true:
 *     every member receives every message and keeps its own position
 * @param startPosition where a position that does not exist yet starts; default {@link
 *     StartPosition#DEFAULT}
 * @param orderly for FIFO topics: the listener gets the messages of one message group one at a
 *     time, in delivery order (groups still run in parallel over the consumption threads); default
 *     false
 */
public record PushConsumerSettings(
    String group,
    String topic,
    Filter filter,
    int consumptionThreads,
    int maxCachedMessages,
    Duration invisibleDuration,
    Duration shutdownTimeout,
    String clientId,
    boolean broadcasting,
    StartPosition startPosition,
    boolean orderly) {

  /**
   * Validates the components.
   *
   * @param group not empty
   * @param topic not empty
   * @param filter not null
   * @param consumptionThreads positive
   * @param maxCachedMessages positive
   * @param invisibleDuration 1 s .. 12 h
   * @param shutdownTimeout not negative
   * @param clientId not null
   * @param broadcasting the consumption mode
   * @param startPosition not null
   */
  public PushConsumerSettings {
    SimpleConsumerSettings.requireName(group, "group");
    SimpleConsumerSettings.requireName(topic, "topic");
    Objects.requireNonNull(filter, "filter");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(startPosition, "startPosition");
    if (consumptionThreads <= 0 || maxCachedMessages <= 0) {
      throw new IllegalArgumentException(
          "consumptionThreads and maxCachedMessages must be positive");
    }
    if (invisibleDuration.compareTo(Duration.ofSeconds(1)) < 0
        || invisibleDuration.compareTo(Duration.ofHours(12)) > 0) {
      throw new IllegalArgumentException(
          "invisibleDuration must be in [1 s, 12 h]: " + invisibleDuration);
    }
    if (shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException("shutdownTimeout must not be negative");
    }
  }

  /**
   * Starts from the defaults.
   *
   * @param group the consumer group
   * @param topic the topic
   * @return a builder
   */
  public static Builder builder(String group, String topic) {
    return new Builder(group, topic);
  }

  /** Builds {@link PushConsumerSettings}. */
  public static final class Builder {
    private final String group;
    private final String topic;
    private Filter filter = Filter.ALL;
    private int consumptionThreads = 4;
    private int maxCachedMessages = 64;
    private Duration invisibleDuration = Duration.ofSeconds(30);
    private Duration shutdownTimeout = Duration.ofSeconds(30);
    private String clientId = UUID.randomUUID().toString();
    private boolean clientIdSet;
    private boolean broadcasting;
    private StartPosition startPosition = StartPosition.DEFAULT;
    private boolean orderly;

    private Builder(String group, String topic) {
      this.group = group;
      this.topic = topic;
    }

    /**
     * Sets a tag filter.
     *
     * @param tagExpression {@code "*"}, {@code "TagA"} or {@code "TagA || TagB"}
     * @return this builder
     */
    public Builder filter(String tagExpression) {
      return filter(Filter.tag(tagExpression));
    }

    /**
     * Sets the filter, tag or SQL92.
     *
     * @param filter the filter
     * @return this builder
     */
    public Builder filter(Filter filter) {
      this.filter = filter;
      return this;
    }

    /**
     * Sets the number of listener threads.
     *
     * @param consumptionThreads the thread count
     * @return this builder
     */
    public Builder consumptionThreads(int consumptionThreads) {
      this.consumptionThreads = consumptionThreads;
      return this;
    }

    /**
     * Sets the credit window.
     *
     * @param maxCachedMessages the window in messages
     * @return this builder
     */
    public Builder maxCachedMessages(int maxCachedMessages) {
      this.maxCachedMessages = maxCachedMessages;
      return this;
    }

    /**
     * Sets the invisible duration of deliveries.
     *
     * @param invisibleDuration 1 s .. 12 h
     * @return this builder
     */
    public Builder invisibleDuration(Duration invisibleDuration) {
      this.invisibleDuration = invisibleDuration;
      return this;
    }

    /**
     * Sets how long close waits for running listeners.
     *
     * @param shutdownTimeout the bound
     * @return this builder
     */
    public Builder shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = shutdownTimeout;
      return this;
    }

    /**
     * Sets the client id.
     *
     * @param clientId the id
     * @return this builder
     */
    public Builder clientId(String clientId) {
      this.clientId = clientId;
      this.clientIdSet = true;
      return this;
    }

    /**
     * Makes this consumer a member of a broadcasting group: it receives every message of the topic
     * and keeps its own position, named by its {@link #clientId(String)} (required).
     *
     * @return this builder
     */
    public Builder broadcasting() {
      this.broadcasting = true;
      return this;
    }

    /**
     * Sets where a position that does not exist yet starts.
     *
     * @param startPosition the start
     * @return this builder
     */
    public Builder startPosition(StartPosition startPosition) {
      this.startPosition = startPosition;
      return this;
    }

    /**
     * Calls the listener sequentially per message group, for FIFO topics: never two messages of
     * one group at once, and in the order the broker delivers them (which, on a FIFO topic, is
     * the group's order, a redelivery before the group's next message).
     *
     * @param orderly true for orderly consumption
     * @return this builder
     */
    public Builder orderly(boolean orderly) {
      this.orderly = orderly;
      return this;
    }

    /**
     * Builds the settings.
     *
     * @return the settings
     */
    public PushConsumerSettings build() {
      if (broadcasting && !clientIdSet) {
        throw new IllegalStateException(
            "a broadcasting consumer needs a clientId that stays the same across restarts:"
                + " it names the member's own position");
      }
      return new PushConsumerSettings(
          group,
          topic,
          filter,
          consumptionThreads,
          maxCachedMessages,
          invisibleDuration,
          shutdownTimeout,
          clientId,
          broadcasting,
          startPosition,
          orderly);
    }
  }
}
