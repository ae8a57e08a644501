package io.sluice.gateway.produce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.cluster.QueueAvailability;
import io.sluice.protocol.v1.Reason;
import java.util.List;
import java.util.stream.IntStream;

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

  /** Queues 0 and 2 in group "up", 1 and 3 in group "down", which has no live node. */
  private final TopicConfig placed = new TopicConfig("t", 4, MessageType.NORMAL, 0, 0, List.of("up", "down", "up", "down"));
  private final QueueSelector skipping = new QueueSelector(QueueAvailability.of(group -> group.equals("up")));

  @Test
  void sendsMessagesWithoutAGroupToAvailableQueuesByTheirIdHashOverTheAvailableOnes() {
    for (int i = 0; i < 200; i++) {
      String id = UUID.randomUUID().toString();
      int[] available = {0, 2};
      assertEquals(available[QueueSelector.hashQueue(id, 2)],
          skipping.select(placed, Message.newBuilder().setTopic("t").setMessageId(id).build()), id);
    }
  }

  @Test
  void choosesAsBeforeWhenEveryQueueIsAvailable() {
    QueueSelector allUp = new QueueSelector(QueueAvailability.of(group -> true));
    for (int i = 0; i < 50; i++) {
      Message m = Message.newBuilder().setTopic("t").setMessageId("id-" + i).build();
      assertEquals(selector.select(topic, m), allUp.select(placed, m));
    }
  }

  @Test
  void failsAMessageGroupWhoseQueueIsUnavailableInsteadOfMovingIt() {
    String group = IntStream.range(0, 100).mapToObj(i -> "order-" + i)
        .filter(g -> QueueSelector.hashQueue(g, 4) % 2 == 1).findFirst().orElseThrow();
    BrokerException e = assertThrows(BrokerException.class, () -> skipping.select(placed,
        Message.newBuilder().setTopic("t").setMessageGroup(group).setMessageId("id").build()));
    assertEquals(Status.Code.UNAVAILABLE, e.code());
    assertEquals(Reason.QUEUE_UNAVAILABLE, e.reason());
    assertTrue(e.getMessage().contains("'down'"), e.getMessage());
  }

  @Test
  void failsWhenNoQueueIsAvailable() {
    QueueSelector noneUp = new QueueSelector(QueueAvailability.of(group -> false));
    BrokerException e = assertThrows(BrokerException.class,
        () -> noneUp.select(placed, Message.newBuilder().setTopic("t").setMessageId("id").build()));
    assertEquals(Reason.QUEUE_UNAVAILABLE, e.reason());
  }
}
