package io.sluice.gateway.produce;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.cluster.QueueAvailability;
import io.sluice.protocol.v1.Message;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Picks a message's queue by a stable hash: of its message group when it has one (the group's
 * messages stay in order on one queue), else of its message id. Hashing the id rather than
 * round robin sends a resend after an unknown outcome to the queue that may hold the first try,
 * where the queue's dedup window finds it; random ids spread uniformly all the same.
 *
 * <p>Queues whose broker group has no live node ({@link QueueAvailability}): a message without a
 * group goes to {@code available[CRC32C(messageId) mod available.length]}, {@code available} being
 * the topic's available queue ids in order (all of them: the plain rule above), as RocketMQ
 * producers skip a broker that is down; clients that route directly apply the same rule. A message
 * group is never moved: its queue is the hash over all queues, and when that queue is unavailable
 * the message fails with QUEUE_UNAVAILABLE (the group waits for its node, keeping its order).
 *
 * <p>Thread-safety: any thread (stateless).
 */
public final class QueueSelector {
  private final QueueAvailability availability;

  public QueueSelector() {
    this(QueueAvailability.ALWAYS);
  }

  public QueueSelector(QueueAvailability availability) {
    this.availability = availability;
  }

  /**
   * The queue of {@code message}, whose message id must be set.
   *
   * @throws io.sluice.gateway.BrokerException QUEUE_UNAVAILABLE when its group's queue, or every queue, is unavailable
   */
  public int select(TopicConfig topic, Message message) {
    if (!message.getMessageGroup().isEmpty()) {
      int queue = hashQueue(message.getMessageGroup(), topic.queueCount());
      if (!availability.isAvailable(topic.queueEntityId(queue))) {
        throw availability.unavailable(topic.queueEntityId(queue));
      }
      return queue;
    }
    int[] available = new int[topic.queueCount()];
    int count = 0;
    for (int q = 0; q < available.length; q++) {
      if (availability.isAvailable(topic.queueEntityId(q))) {
        available[count++] = q;
      }
    }
    if (count == 0) {
      throw availability.unavailable(topic.queueEntityId(hashQueue(message.getMessageId(), topic.queueCount())));
    }
    return available[hashQueue(message.getMessageId(), count)];
  }

  /** The queue of {@code key}: stable across nodes and restarts (CRC32C of its UTF-8 bytes). */
  static int hashQueue(String key, int queueCount) {
    CRC32C crc = new CRC32C();
    crc.update(key.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % queueCount);
  }
}
