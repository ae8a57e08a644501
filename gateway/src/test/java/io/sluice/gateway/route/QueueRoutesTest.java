package io.sluice.gateway.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.protocol.v1.MessageQueue;
import io.sluice.protocol.v1.MessageType;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueueRoutesTest {
  private static final List<QueueRoutes.NodeEndpoint> NODES = List.of(
      new QueueRoutes.NodeEndpoint(Set.of("g3"), "h3:3"),
      new QueueRoutes.NodeEndpoint(Set.of("g1"), "h1:1"),
      new QueueRoutes.NodeEndpoint(Set.of("g2"), "h2:2"));

  @Test
  void eachQueueListsItsGroupsNodeFirstThenEveryOtherNode() {
    TopicConfig topic = new TopicConfig("t", 3, MessageType.NORMAL, 0).withQueueGroups(List.of("g2", "g3", "g1"));
    List<MessageQueue> routes = QueueRoutes.of(topic, NODES, "h1:1", g -> true);
    assertEquals(List.of("h2:2", "h1:1", "h3:3"), routes.get(0).getEndpointsList());
    assertEquals(List.of("h3:3", "h1:1", "h2:2"), routes.get(1).getEndpointsList());
    assertEquals(List.of("h1:1", "h2:2", "h3:3"), routes.get(2).getEndpointsList());
    assertEquals(List.of("g2", "g3", "g1"), routes.stream().map(MessageQueue::getBrokerGroup).toList());
    assertEquals(List.of(0, 1, 2), routes.stream().map(MessageQueue::getQueueId).toList());
  }

  @Test
  void aQueueOfAGroupWithoutLiveNodeIsUnavailableAndListsTheOtherNodes() {
    TopicConfig topic = new TopicConfig("t", 2, MessageType.NORMAL, 0).withQueueGroups(List.of("g4", "g1"));
    List<MessageQueue> routes = QueueRoutes.of(topic, NODES, "h1:1", g -> !g.equals("g4"));
    assertFalse(routes.get(0).getAvailable());
    assertEquals(List.of("h1:1", "h2:2", "h3:3"), routes.get(0).getEndpointsList());
    assertTrue(routes.get(1).getAvailable());
  }

  @Test
  void aNodeServingAPromotedGroupIsFirstForItsQueuesToo() {
    List<QueueRoutes.NodeEndpoint> nodes = List.of(
        new QueueRoutes.NodeEndpoint(Set.of("g2", "g1"), "h2:2"),
        new QueueRoutes.NodeEndpoint(Set.of(), "h1:1"));
    TopicConfig topic = new TopicConfig("t", 2, MessageType.NORMAL, 0).withQueueGroups(List.of("g1", "g2"));
    List<MessageQueue> routes = QueueRoutes.of(topic, nodes, "h1:1", g -> true);
    assertEquals(List.of("h2:2", "h1:1"), routes.get(0).getEndpointsList());
    assertEquals(List.of("h2:2", "h1:1"), routes.get(1).getEndpointsList());
  }

  @Test
  void anUnplacedQueueListsThisNodeFirstOnce() {
    TopicConfig topic = new TopicConfig("t", 2, MessageType.NORMAL, 0);
    List<MessageQueue> routes = QueueRoutes.of(topic, NODES, "h2:2", Set.of("")::contains);
    for (MessageQueue q : routes) {
      assertEquals("", q.getBrokerGroup());
      assertTrue(q.getAvailable());
      assertEquals(List.of("h2:2", "h1:1", "h3:3"), q.getEndpointsList());
    }
  }
}
