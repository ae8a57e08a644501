package io.sluice.client.internal;

import io.sluice.protocol.v1.MessageQueue;
import io.sluice.protocol.v1.QueryRouteResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A topic's queues as {@code QueryRoute} answered them, and the broker's rule for picking a
 * message's queue, so a producer can send each message to the node that owns its queue. The rule
 * (the gateway's {@code QueueSelector}): a message with a message group goes to queue {@code
 * CRC32C(group) mod queueCount}; one without to the {@code CRC32C(messageId) mod n}-th of the
 * {@code n} available queues in queue-id order. A wrong prediction costs one hop inside the
 * cluster, never correctness: the broker picks the queue. Immutable.
 *
 * @param queues the queues in queue-id order
 * @param available the available queues in queue-id order
 */
public record TopicRoute(List<MessageQueue> queues, List<MessageQueue> available) {
  /** Compact form: copies the lists. */
  public TopicRoute {
    queues = List.copyOf(queues);
    available = List.copyOf(available);
  }

  /**
   * The route of a {@code QueryRoute} answer.
   *
   * @param response the answer
   * @return its route
   */
  public static TopicRoute of(QueryRouteResponse response) {
    List<MessageQueue> queues = new ArrayList<>(response.getQueuesList());
    queues.sort((a, b) -> Integer.compare(a.getQueueId(), b.getQueueId()));
    List<MessageQueue> available = new ArrayList<>();
    for (MessageQueue q : queues) {
      if (q.getAvailable()) {
        available.add(q);
      }
    }
    return new TopicRoute(queues, available);
  }

  /**
   * The queue the broker is expected to pick for {@code message}.
   *
   * @param message the message in wire form
   * @return its queue, or null when the route has none to offer
   */
  public MessageQueue predict(io.sluice.protocol.v1.Message message) {
    if (!message.getMessageGroup().isEmpty()) {
      return queues.isEmpty() ? null : queues.get(indexOf(message.getMessageGroup(), queues.size()));
    }
    return available.isEmpty() ? null : available.get(indexOf(message.getMessageId(), available.size()));
  }

  private static int indexOf(String text, int count) {
    CRC32C crc = new CRC32C();
    crc.update(text.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % count);
  }
}
