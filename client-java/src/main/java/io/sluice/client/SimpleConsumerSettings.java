package io.sluice.client;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link SimpleConsumer} consumes and how long it polls.
 *
 * @param group the consumer group
 * @param topic the topic
 * @param filter which messages to receive (see {@link Filter}); default {@link Filter#ALL}
 * @param awaitDuration how long {@link SimpleConsumer#receive} waits for a first message; default 5
 *     s, at most 30 s
 */
public record SimpleConsumerSettings(
    String group, String topic, Filter filter, Duration awaitDuration) {

  /**
   * Validates the components.
   *
   * @param group not empty
   * @param topic not empty
   * @param filter not null
   * @param awaitDuration 0 .. 30 s
   */
  public SimpleConsumerSettings {
    Objects.requireNonNull(filter, "filter");
    requireName(group, "group");
    requireName(topic, "topic");
    if (awaitDuration.isNegative() || awaitDuration.compareTo(Duration.ofSeconds(30)) > 0) {
      throw new IllegalArgumentException("awaitDuration must be in [0, 30 s]: " + awaitDuration);
    }
  }

  /**
   * Settings with the default filter and await.
   *
   * @param group the consumer group
   * @param topic the topic
   * @return a builder
   */
  public static Builder builder(String group, String topic) {
    return new Builder(group, topic);
  }

  static void requireName(String value, String what) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
  }

  /** Builds {@link SimpleConsumerSettings}. */
  public static final class Builder {
    private final String group;
    private final String topic;
    private Filter filter = Filter.ALL;
    private Duration awaitDuration = Duration.ofSeconds(5);

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
     * Sets the long-poll wait.
     *
     * @param awaitDuration 0 .. 30 s
     * @return this builder
     */
    public Builder awaitDuration(Duration awaitDuration) {
      this.awaitDuration = awaitDuration;
      return this;
    }

    /**
     * Builds the settings.
     *
     * @return the settings
     */
    public SimpleConsumerSettings build() {
      return new SimpleConsumerSettings(group, topic, filter, awaitDuration);
    }
  }
}
