package io.sluice.client;

import java.util.Objects;

/**
 * A topic's settings, as the admin API creates and describes them.
 *
 * @param name the topic name (1..127 characters of {@code [A-Za-z0-9_-%|]})
 * @param queueCount the number of message queues (0 in a create request means the broker default,
 *     8)
 * @param messageType the message type
 * @param retentionHours how long messages are kept; 0 means the broker default (72 h)
 */
public record TopicInfo(String name, int queueCount, MessageType messageType, int retentionHours) {
  /**
   * Validates the components.
   *
   * @param name the topic name
   * @param queueCount the number of queues, not negative
   * @param messageType the message type
   * @param retentionHours the retention, not negative
   */
  public TopicInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(messageType, "messageType");
    if (queueCount < 0 || retentionHours < 0) {
      throw new IllegalArgumentException("queueCount and retentionHours must not be negative");
    }
  }
}
