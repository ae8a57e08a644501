package io.sluice.gateway.produce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class QueueSelectorTest {
  private final TopicConfig topic = new TopicConfig("t", 4, MessageType.NORMAL, 0);
  private final QueueSelector selector = new QueueSelector();

  @Test
  void sendsAResentMessageIdToTheQueueOfItsFirstTry() {
    Message first = Message.newBuilder().setTopic("t").setMessageId("0123456789ABCDEF0123456789ABCDEF").build();
    int queue = selector.select(topic, first);
    for (int i = 0; i < 20; i++) {
      selector.select(topic, Message.newBuilder().setTopic("t").setMessageId("other-" + i).build());
      assertEquals(queue, selector.select(topic, first), "a resend after other sends");
      assertEquals(queue, new QueueSelector().select(topic, first), "a resend through another gateway");
    }
  }

  @Test
  void spreadsRandomMessageIdsOverEveryQueue() {
    int[] counts = new int[4];
    for (int i = 0; i < 4000; i++) {
      counts[selector.select(topic, Message.newBuilder().setTopic("t").setMessageId(UUID.randomUUID().toString()).build())]++;
    }
    for (int count : counts) {
      assertTrue(count > 850 && count < 1150, java.util.Arrays.toString(counts));
    }
  }

  @Test
  void keepsAMessageGroupOnOneQueue() {
    Set<Integer> queues = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      queues.add(selector.select(topic, Message.newBuilder().setTopic("t").setMessageGroup("order-42")
          .setMessageId("id-" + i).build()));
    }
    assertEquals(1, queues.size());
    assertEquals(QueueSelector.hashQueue("order-42", 4), queues.iterator().next());
  }
}
