package io.sluice.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.sluice.actors.controller.GroupState;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.Topics;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.route.EndpointDirectory;
import io.sluice.gateway.route.RouteTable;
import io.sluice.protocol.v1.MessageQueue;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two cluster nodes in one JVM, n1 carrying broker group g1's role and n2 g2's, g1 replicated on
 * both: g1's queues are available, routed and shown on the node the controller's decision names
 * ACTIVE master, never on the role holder; while g1 is not ACTIVE they are unavailable, saying why.
 * Decisions are written into Distributed Data as the controller writes them. g2 stays its role
 * holder's.
 */
class ReplicatedGroupRoutingClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TopicConfig TOPIC =
      new TopicConfig("t", 2, MessageType.NORMAL, 0).withQueueGroups(List.of("g1", "g2"));
  private ActorSystem<Void> n1;
  private ActorSystem<Void> n2;

  private static ActorSystem<Void> node(String group) {
    return ActorSystem.create(Behaviors.empty(), "routes", ConfigFactory.parseString(
            "pekko.actor.provider = cluster\n"
                + "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"\n"
                + "pekko.remote.artery.canonical.port = 0\n"
                + "pekko.cluster.roles = [\"broker-group:" + group + "\"]\n"
                + "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
                + "pekko.coordinated-shutdown.exit-jvm = off\n"
                + "pekko.cluster.distributed-data.notify-subscribers-interval = 50 ms\n"
                + "sluice.controller.groups { g1 = [g1, g2] }\n")
        .withFallback(ConfigFactory.defaultReference()));
  }

  @AfterEach
  void stop() throws Exception {
    for (ActorSystem<Void> s : java.util.Arrays.asList(n1, n2)) {
      if (s != null) {
        s.terminate();
        s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aReplicatedGroupIsServedWhereItsActiveMasterIs() throws Exception {
    n1 = node("g1");
    n2 = node("g2");
    Cluster.get(n1).manager().tell(Join.create(Cluster.get(n1).selfMember().address()));
    Cluster.get(n2).manager().tell(Join.create(Cluster.get(n1).selfMember().address()));
    RouteTable routes = new RouteTable(n1, EndpointDirectory.start(n1, "h1:1"), "h1:1");
    EndpointDirectory.start(n2, "h2:2");
    TopicCatalog catalog = new TopicCatalog();
    catalog.offer(new Topics(1, Map.of("t", TOPIC)));
    NodeCatalog.get(n1).set(catalog);
    ClusterQueuesRoute queuesRoute = new ClusterQueuesRoute((org.apache.pekko.actor.ExtendedActorSystem) Adapter.toClassic(n1));
    QueueAvailability availability = QueueAvailability.of(n1);
    String g1Queue = TOPIC.queueEntityId(0);
    String n1Address = Cluster.get(n1).selfMember().address().toString();
    String n2Address = Cluster.get(n2).selfMember().address().toString();
    await(() -> routes.liveNodes().size() == 2 && availability.isAvailable(TOPIC.queueEntityId(1)));

    // no decision yet: unavailable, though n1 carries g1's role
    assertFalse(availability.isAvailable(g1Queue));
    assertUnavailable(availability.unavailable(g1Queue), "'g1' has no master yet");
    assertFalse(routes.routesOf(TOPIC).get(0).getAvailable());
    assertEquals(List.of("h2:2", "h1:1"), routes.routesOf(TOPIC).get(1).getEndpointsList(), "g2: its role holder first");

    // n2 promoted: g1 is available, routed to n2 first, shown on n2
    ControllerDecisions.decide(List.of(n1, n2), ControllerDecisions.state("g1", "g2", n2Address, 2, GroupState.Status.ACTIVE, 1));
    assertTrue(availability.isAvailable(g1Queue));
    MessageQueue g1Route = routes.routesOf(TOPIC).get(0);
    assertTrue(g1Route.getAvailable());
    assertEquals(List.of("h2:2", "h1:1"), g1Route.getEndpointsList());
    JsonNode shown = JSON.readTree(queuesRoute.render()).get("topics").get(0).get("queues").get(0);
    assertEquals(n2Address, shown.get("node").asText());
    assertTrue(shown.get("available").asBoolean());

    // being promoted back to n1: unavailable everywhere, saying so
    ControllerDecisions.decide(List.of(n1, n2), ControllerDecisions.state("g1", "g1", n1Address, 3, GroupState.Status.PROMOTING, 2));
    assertUnavailable(availability.unavailable(g1Queue), "'g1' is PROMOTING");
    assertFalse(routes.routesOf(TOPIC).get(0).getAvailable());
    shown = JSON.readTree(queuesRoute.render()).get("topics").get(0).get("queues").get(0);
    assertTrue(shown.get("node").isNull());
    assertFalse(shown.get("available").asBoolean());

    // no eligible replica
    ControllerDecisions.decide(List.of(n1, n2), ControllerDecisions.state("g1", "", "", 3, GroupState.Status.OFFLINE, 3));
    assertUnavailable(availability.unavailable(g1Queue), "'g1' is OFFLINE");

    // n1 ACTIVE: routed to n1 first
    ControllerDecisions.decide(List.of(n1, n2), ControllerDecisions.state("g1", "g1", n1Address, 4, GroupState.Status.ACTIVE, 4));
    assertTrue(availability.isAvailable(g1Queue));
    assertEquals(List.of("h1:1", "h2:2"), routes.routesOf(TOPIC).get(0).getEndpointsList());
  }

  private static void assertUnavailable(BrokerException e, String why) {
    assertEquals(Reason.QUEUE_UNAVAILABLE, e.reason());
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "not within 30 s");
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }
}
