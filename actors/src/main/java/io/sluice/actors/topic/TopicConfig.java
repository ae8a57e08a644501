package io.sluice.actors.topic;

import io.sluice.actors.CborSerializable;
import io.sluice.protocol.v1.MessageType;
import java.util.List;

/**
 * A topic's settings.
 *
 * @param name unique name
 * @param queueCount number of message queues, 1..1024
 * @param messageType what the topic accepts (NORMAL, FIFO, DELAY, TRANSACTION)
 * @param retentionHours how long messages are kept; 0 = the broker default
 * @param incarnation which creation of the name this is: 0 for the first, one more for each
 *     creation after a delete. Part of its queues' entity ids, so a topic created again starts
 *     with empty queues, consumer groups, timers and transaction logs, and the old ones' data is
 *     left to retention. Set by the {@link TopicRegistry}; requests carry 0.
 * @param queueGroups the broker group that owns each queue's data, by queue id: fixed when the
 *     queue is created, never changed. Empty when unplaced (a request; topics of a single node
 *     before placement existed), or shorter than {@code queueCount} until the registry places the
 *     queues a topic grew by. Set by the {@link TopicRegistry}.
 */
public record TopicConfig(
    String name, int queueCount, MessageType messageType, int retentionHours, long incarnation, List<String> queueGroups)
    implements CborSerializable {

  public static final int DEFAULT_QUEUE_COUNT = 8;
  public static final int MAX_QUEUE_COUNT = 1024;

  /** A topic's settings as a request states them (incarnation 0, the registry sets it). */
  public TopicConfig(String name, int queueCount, MessageType messageType, int retentionHours) {
    this(name, queueCount, messageType, retentionHours, 0, List.of());
  }

  public TopicConfig(String name, int queueCount, MessageType messageType, int retentionHours, long incarnation) {
    this(name, queueCount, messageType, retentionHours, incarnation, List.of());
  }

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
    // snapshots and events written before placement existed have none
    queueGroups = queueGroups == null ? List.of() : List.copyOf(queueGroups);
    if (queueGroups.size() > queueCount) {
      throw new IllegalArgumentException(
          "more queue groups (" + queueGroups.size() + ") than queues (" + queueCount + ")");
    }
  }

  /** The broker group owning queue {@code queueId}; empty when the queue is not placed. */
  public String brokerGroupOf(int queueId) {
    return queueId < queueGroups.size() ? queueGroups.get(queueId) : "";
  }

  /** Entity id of queue {@code queueId} of this incarnation of the topic. */
  public String queueEntityId(int queueId) {
    return io.sluice.actors.queue.Queue.entityId(brokerGroupOf(queueId), name, incarnation, queueId);
  }

  public TopicConfig withIncarnation(long newIncarnation) {
    return new TopicConfig(name, queueCount, messageType, retentionHours, newIncarnation, queueGroups);
  }

  /** This topic with its queues placed in {@code groups} (by queue id). */
  public TopicConfig withQueueGroups(List<String> groups) {
    return new TopicConfig(name, queueCount, messageType, retentionHours, incarnation, groups);
  }
}
