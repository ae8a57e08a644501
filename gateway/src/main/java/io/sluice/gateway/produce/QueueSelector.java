package io.sluice.gateway.produce;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.protocol.v1.Message;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Picks a message's queue by a stable hash: of its message group when it has one (the group's
 * messages stay in order on one queue), else of its message id. Hashing the id rather than
 * round robin sends a resend after an unknown outcome to the queue that may hold the first try,
 * where the queue's dedup window finds it; random ids spread uniformly all the same.
 *
 * <p>Thread-safety: any thread (stateless).
 */
public final class QueueSelector {

  /** The queue of {@code message}, whose message id must be set. */
  public int select(TopicConfig topic, Message message) {
    String key = message.getMessageGroup().isEmpty() ? message.getMessageId() : message.getMessageGroup();
    return hashQueue(key, topic.queueCount());
  }

  /** The queue of {@code key}: stable across nodes and restarts (CRC32C of its UTF-8 bytes). */
  static int hashQueue(String key, int queueCount) {
    CRC32C crc = new CRC32C();
    crc.update(key.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % queueCount);
  }
}
