package io.sluice.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.sluice.actors.controller.GroupState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The groups a node serves: its own group unless replicated, and a replicated group from the
 * decision naming it ACTIVE master until a newer decision does not (the node's owner calls and the
 * wake-up of the group's timers and transaction logs hang on these events).
 */
class ServedGroupsTest {
  private ActorSystem<Void> node;

  @AfterEach
  void stop() throws Exception {
    node.terminate();
    node.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aReplicatedGroupIsServedWhileThisNodeIsItsActiveMaster() throws Exception {
    node = ActorSystem.create(Behaviors.empty(), "served", ConfigFactory.parseString(
            "pekko.actor.provider = cluster\n"
                + "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"\n"
                + "pekko.remote.artery.canonical.port = 0\n"
                + "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
                + "pekko.coordinated-shutdown.exit-jvm = off\n"
                + "pekko.cluster.distributed-data.notify-subscribers-interval = 50 ms\n"
                + "sluice.controller.groups { g1 = [g1, g2], g2 = [g2, g1] }\n")
        .withFallback(ConfigFactory.defaultReference()));
    String self = Cluster.get(node).selfMember().address().toString();
    ServedGroups served = ServedGroups.start(node, "g3");
    List<String> events = new CopyOnWriteArrayList<>();
    served.addListener(new ServedGroups.Listener() {
      @Override
      public void started(String group) {
        events.add("+" + group);
      }

      @Override
      public void stopped(String group) {
        events.add("-" + group);
      }
    });
    assertEquals(List.of("+g3"), events, "the own unreplicated group from the start");

    ControllerDecisions.decide(List.of(node), ControllerDecisions.state("g1", "g1", self, 1, GroupState.Status.PROMOTING, 1));
    assertFalse(served.servesHere("g1"), "not before it is ACTIVE");
    ControllerDecisions.decide(List.of(node), ControllerDecisions.state("g1", "g1", self, 1, GroupState.Status.ACTIVE, 2));
    ControllerDecisions.decide(List.of(node),
        ControllerDecisions.state("g2", "g1", "pekko://served@10.0.0.9:2552", 1, GroupState.Status.ACTIVE, 3));
    assertTrue(served.servesHere("g1"));
    assertFalse(served.servesHere("g2"), "another node's");
    ControllerDecisions.decide(List.of(node),
        ControllerDecisions.state("g1", "g2", "pekko://served@10.0.0.9:2552", 2, GroupState.Status.PROMOTING, 4));
    assertFalse(served.servesHere("g1"));
    assertEquals(List.of("+g3", "+g1", "-g1"), events);
  }
}
