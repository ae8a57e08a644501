package io.sluice.actors.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.GroupState;
import io.sluice.actors.controller.ReplicaController;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.protocol.v1.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * New queues go to the broker groups that can serve them (issue #13): g1 = [g1, g2] and g2 = [g2,
 * g1] are replicated; the only node carries g1's role (g2's first node is down) and is where the
 * controller made g2 ACTIVE (its promoted replica). Decisions are written into Distributed Data as
 * the controller writes them.
 */
class PlaceableGroupsTest {
  @TempDir static Path dir;
  static ActorTestKit kit;
  static ActorRef<TopicRegistry.Command> registry;
  static String self;
  static long version;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("PlaceableGroupsTest", ConfigFactory.parseString("""
        pekko.cluster.roles = ["broker-group:g1"]
        pekko.cluster.distributed-data.notify-subscribers-interval = 50 ms
        sluice.controller.groups { g1 = [g1, g2], g2 = [g2, g1] }
        """).withFallback(ActorsTestConfig.create(dir)));
    ActorsTestConfig.joinSelf(kit.system());
    Cluster cluster = Cluster.get(kit.system());
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertEquals(MemberStatus.up(), cluster.selfMember().status());
      return null;
    });
    self = cluster.selfMember().address().toString();
    registry = TopicRegistry.init(kit.system());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void queuesGoToTheGroupsWithAnActiveMasterNotToTheRoleHolders() {
    GroupMasters masters = GroupMasters.get(kit.system());
    // no decision yet (a cluster's first seconds): the roles of the up members, as before
    assertEquals(Set.of("g1"), PlaceableGroups.of(Cluster.get(kit.system()).state(), masters));

    decide("g2", GroupState.Status.ACTIVE);
    decide("g1", GroupState.Status.PROMOTING);
    assertEquals(Set.of("g2"), PlaceableGroups.of(Cluster.get(kit.system()).state(), masters));
    TopicConfig orders = changed(call(replyTo -> new TopicRegistry.CreateTopic(
        new TopicConfig("orders", 4, MessageType.NORMAL, 0), replyTo))).get("orders").orElseThrow();
    assertEquals(List.of("g2", "g2", "g2", "g2"), orders.queueGroups(),
        "g2, served by its promoted replica, takes the queues; g1, PROMOTING, none although its node is up");

    decide("g1", GroupState.Status.ACTIVE);
    TopicConfig grown = changed(call(replyTo -> new TopicRegistry.UpdateTopic(
        new TopicConfig("orders", 8, MessageType.NORMAL, 0), replyTo))).get("orders").orElseThrow();
    assertEquals(List.of("g2", "g2", "g2", "g2", "g1", "g1", "g1", "g1"), grown.queueGroups());
  }

  private static io.sluice.actors.topic.Topics changed(TopicRegistry.Change change) {
    return assertInstanceOf(TopicRegistry.Changed.class, change, () -> "expected a change, got " + change).topics();
  }

  private static TopicRegistry.Change call(Function<ActorRef<TopicRegistry.Change>, TopicRegistry.Command> command) {
    TestProbe<TopicRegistry.Change> probe = kit.createTestProbe();
    registry.tell(command.apply(probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(30));
  }

  /** Writes a decision (master: this node) newer than every one before and waits until this node's view has it. */
  private static void decide(String group, GroupState.Status status) {
    GroupState state = new GroupState(group, "g1", self, 2, Set.of("g1"), status, 1, ++version);
    TestProbe<Replicator.UpdateResponse<LWWMap<String, GroupState>>> written = kit.createTestProbe();
    LWWRegister.Clock<GroupState> byClock = (current, value) -> value.clock();
    DistributedData.get(kit.system()).replicator().tell(new Replicator.Update<>(ReplicaController.STATE_KEY,
        LWWMap.empty(), Replicator.writeLocal(), written.ref(),
        map -> map.put(DistributedData.get(kit.system()).selfUniqueAddress(), group, state, byClock)));
    assertTrue(written.receiveMessage() instanceof Replicator.UpdateSuccess);
    written.awaitAssert(Duration.ofSeconds(10), () -> {
      assertEquals(Optional.of(state), GroupMasters.get(kit.system()).stateOf(group));
      return null;
    });
  }
}
