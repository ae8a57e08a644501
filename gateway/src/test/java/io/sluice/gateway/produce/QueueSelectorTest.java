package io.sluice.gateway.produce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueueSelectorTest {
  private final TopicConfig topic = new TopicConfig("t", 4, MessageType.NORMAL, 0);
  private final QueueSelector selector = new QueueSelector();

  @Test
  void roundRobinsMessagesWithoutGroup() {
    Message m = Message.newBuilder().setTopic("t").build();
    int[] counts = new int[4];
    for (int i = 0; i < 400; i++) {
      counts[selector.select(topic, m)]++;
    }
    assertEquals(java.util.List.of(100, 100, 100, 100),
        java.util.Arrays.stream(counts).boxed().toList());
  }

  @Test
  void keepsAMessageGroupOnOneQueue() {
    Set<Integer> queues = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      queues.add(selector.select(topic, Message.newBuilder().setTopic("t").setMessageGroup("order-42").build()));
    }
    assertEquals(1, queues.size());
    assertEquals(QueueSelector.groupQueue("order-42", 4), queues.iterator().next());
  }
}
