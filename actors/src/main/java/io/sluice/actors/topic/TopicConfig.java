package io.sluice.actors.topic;

import io.sluice.actors.CborSerializable;
import io.sluice.protocol.v1.MessageType;

/**
 * A topic's settings.
 *
 * @param name unique name
 * @param queueCount number of message queues, 1..1024
 * @param messageType what the topic accepts (NORMAL, FIFO, DELAY, TRANSACTION)
 * @param retentionHours how long messages are kept; 0 = the broker default
 */
public record TopicConfig(String name, int queueCount, MessageType messageType, int retentionHours)
    implements CborSerializable {

  public static final int DEFAULT_QUEUE_COUNT = 8;
  public static final int MAX_QUEUE_COUNT = 1024;

  public TopicConfig {
    if (queueCount < 1 || queueCount > MAX_QUEUE_COUNT) {
      throw new IllegalArgumentException(
          "queue count must be within 1.." + MAX_QUEUE_COUNT + ", was " + queueCount);
    }
    if (messageType == null || messageType == MessageType.MESSAGE_TYPE_UNSPECIFIED
        || messageType == MessageType.UNRECOGNIZED) {
      messageType = MessageType.NORMAL;
    }
    if (retentionHours < 0) {
      throw new IllegalArgumentException("retention hours must not be negative, was " + retentionHours);
    }
  }

  /** Entity id of queue {@code queueId} of this topic. */
  public String queueEntityId(int queueId) {
    return io.sluice.actors.queue.Queue.entityId(name, queueId);
  }
}
