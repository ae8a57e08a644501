package io.sluice.client;

import java.util.List;

/**
 * A consumer group's progress on a topic, one entry per queue.
 *
 * @param group the consumer group
 * @param topic the topic
 * @param queues per-queue progress (unmodifiable)
 */
public record ConsumerGroupInfo(String group, String topic, List<QueueProgress> queues) {
  /**
   * Copies the queue list.
   *
   * @param group the consumer group
   * @param topic the topic
   * @param queues per-queue progress
   */
  public ConsumerGroupInfo {
    queues = List.copyOf(queues);
  }

  /**
   * The group's total lag on the topic.
   *
   * @return the sum of the queues' lag
   */
  public long totalLag() {
    long sum = 0;
    for (QueueProgress q : queues) {
      sum += q.lag();
    }
    return sum;
  }
}
