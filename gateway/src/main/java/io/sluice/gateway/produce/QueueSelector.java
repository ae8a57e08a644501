package io.sluice.gateway.produce;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.protocol.v1.Message;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * Picks a message's queue: messages of a message group always go to the same queue (a stable hash
 * of the group), the others round robin per topic.
 *
 * <p>Thread-safety: any thread.
 */
public final class QueueSelector {
  private final ConcurrentHashMap<String, AtomicInteger> nextByTopic = new ConcurrentHashMap<>();

  public int select(TopicConfig topic, Message message) {
    if (!message.getMessageGroup().isEmpty()) {
      return groupQueue(message.getMessageGroup(), topic.queueCount());
    }
    int next = nextByTopic.computeIfAbsent(topic.name(), t -> new AtomicInteger()).getAndIncrement();
    return Math.floorMod(next, topic.queueCount());
  }

  /** The queue of {@code group}: stable across nodes and restarts (CRC32C of its UTF-8 bytes). */
  static int groupQueue(String group, int queueCount) {
    CRC32C crc = new CRC32C();
    crc.update(group.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % queueCount);
  }
}
