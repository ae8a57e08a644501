package io.sluice.actors.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.actors.consume.RetryPolicy;
import io.sluice.actors.group.ConsumerGroupRegistry;
import io.sluice.actors.group.RetryPolicies;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.actors.topic.Topics;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registries across three actor systems (a 3-node cluster on 127.0.0.1 in one JVM, broker
 * groups g1..g3): changes reach every node's catalog, the registry outlives the singleton's node
 * and a restart of every node, and new queues spread evenly over the broker groups.
 */
class RegistryClusterTest {
  private static final Logger log = LoggerFactory.getLogger(RegistryClusterTest.class);
  private static final Duration WAIT = RegistryNodes.WAIT;

  private static TopicRegistry.Change call(RegistryNodes.Node node,
      Function<ActorRef<TopicRegistry.Change>, TopicRegistry.Command> command) {
    TestProbe<TopicRegistry.Change> probe = node.kit().createTestProbe();
    node.topics().tell(command.apply(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private static Topics create(RegistryNodes.Node node, String name, int queues) {
    TopicRegistry.Change change = call(node, r -> new TopicRegistry.CreateTopic(
        new TopicConfig(name, queues, MessageType.NORMAL, 0), r));
    return assertInstanceOf(TopicRegistry.Changed.class, change, () -> "expected a change, got " + change).topics();
  }

  private static RetryPolicies setPolicy(RegistryNodes.Node node, String group, RetryPolicy policy) {
    TestProbe<StatusReply<RetryPolicies>> probe = node.kit().createTestProbe();
    node.groups().tell(new ConsumerGroupRegistry.SetRetryPolicy(group, policy, probe.getRef()));
    return probe.receiveMessage(WAIT).getValue();
  }

  private static Topics getTopics(RegistryNodes.Node node) {
    TestProbe<Topics> probe = node.kit().createTestProbe();
    node.topics().tell(new TopicRegistry.GetTopics(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private static void awaitCatalog(RegistryNodes.Node node, String topic) {
    node.kit().createTestProbe().awaitAssert(WAIT, Duration.ofMillis(10), () -> {
      assertTrue(node.catalog().get(topic).isPresent(), topic + " not in the catalog yet");
      return null;
    });
  }

  @Test
  void aTopicCreatedThroughOneNodeReachesEveryCatalogWithinASecond(@TempDir Path dir) {
    try (RegistryNodes cluster = RegistryNodes.start(dir, "Visible", 3)) {
      long slowestMs = 0;
      for (int i = 0; i < 5; i++) {
        String name = "visible-" + i;
        create(cluster.get(1), name, 4);
        long created = System.nanoTime();
        awaitCatalog(cluster.get(3), name);
        long ms = (System.nanoTime() - created) / 1_000_000;
        slowestMs = Math.max(slowestMs, ms);
        log.info("{} created through node 1 reached node 3's catalog after {} ms", name, ms);
        awaitCatalog(cluster.get(2), name);
      }
      // the documented bound is 1 s; measured, not asserted (a loaded machine may be slower)
      log.info("Slowest of 5: {} ms from the registry's reply on node 1 to node 3's catalog", slowestMs);

      RetryPolicy policy = new RetryPolicy(4, List.of(250L));
      setPolicy(cluster.get(2), "billing", policy);
      cluster.get(3).kit().createTestProbe().awaitAssert(WAIT, Duration.ofMillis(10), () -> {
        assertEquals(policy, cluster.get(3).policies().policyOf("billing"));
        return null;
      });
    }
  }

  @Test
  void theRegistryOutlivesTheNodeRunningItsSingleton(@TempDir Path dir) {
    try (RegistryNodes cluster = RegistryNodes.start(dir, "Handover", 3)) {
      create(cluster.get(2), "kept", 2);
      RetryPolicy policy = new RetryPolicy(3, List.of(100L));
      setPolicy(cluster.get(3), "kept-group", policy);

      // node 1 is the oldest: it runs both singletons; it leaves, and they start on node 2
      RegistryNodes.stop(cluster.get(1));
      cluster.nodes.remove(0);

      RegistryNodes.Node survivor = cluster.get(2);
      // the proxy holds commands until the singleton runs on node 2; the first answer must know the topic
      assertEquals(Set.of("kept"), getTopics(survivor).byName().keySet());
      TopicRegistry.Change again = call(survivor, r -> new TopicRegistry.CreateTopic(
          new TopicConfig("kept", 2, MessageType.NORMAL, 0), r));
      TopicRegistry.Rejected rejected = assertInstanceOf(TopicRegistry.Rejected.class, again, again::toString);
      assertEquals(Reason.TOPIC_EXISTS, rejected.reason());
      Topics after = create(survivor, "after-handover", 3);
      assertEquals(Set.of("kept", "after-handover"), after.byName().keySet());
      assertEquals(0, after.get("kept").orElseThrow().incarnation());
      TestProbe<RetryPolicies> policies = survivor.kit().createTestProbe();
      survivor.groups().tell(new ConsumerGroupRegistry.GetRetryPolicies(policies.getRef()));
      assertEquals(policy, policies.receiveMessage(WAIT).of("kept-group"));
      awaitCatalog(cluster.get(1), "after-handover");
    }
  }

  @Test
  void everyTopicGroupAndPolicySurvivesARestartOfAllNodes(@TempDir Path dir) {
    Topics before;
    RetryPolicy policy = new RetryPolicy(7, List.of(1_000L, 2_000L));
    try (RegistryNodes cluster = RegistryNodes.start(dir, "Restart", 3)) {
      create(cluster.get(1), "a", 3);
      create(cluster.get(2), "b", 6);
      create(cluster.get(3), "deleted", 1);
      assertInstanceOf(TopicRegistry.Changed.class, call(cluster.get(1), r -> new TopicRegistry.DeleteTopic("deleted", r)));
      setPolicy(cluster.get(3), "audit", policy);
      before = getTopics(cluster.get(1));
      for (RegistryNodes.Node node : cluster.nodes) {
        awaitCatalog(node, "b");
      }
    }
    // back in another order: node 3, whose journal never held the registry, is now the oldest
    try (RegistryNodes cluster = RegistryNodes.start(dir, "Restarted", com.typesafe.config.ConfigFactory.empty(), 3, 2, 1)) {
      assertEquals(before.byName(), getTopics(cluster.get(3)).byName());
      TopicRegistry.Change exists = call(cluster.get(2), r -> new TopicRegistry.CreateTopic(
          new TopicConfig("a", 3, MessageType.NORMAL, 0), r));
      assertEquals(Reason.TOPIC_EXISTS, assertInstanceOf(TopicRegistry.Rejected.class, exists).reason());
      assertEquals(1, create(cluster.get(2), "deleted", 1).get("deleted").orElseThrow().incarnation(),
          "a deleted name's incarnation is remembered");
      for (RegistryNodes.Node node : cluster.nodes) {
        awaitCatalog(node, "a");
        node.kit().createTestProbe().awaitAssert(WAIT, () -> {
          assertEquals(policy, node.policies().policyOf("audit"));
          return null;
        });
      }
    }
  }

  @Test
  void queuesSpreadEvenlyOverTheBrokerGroupsAndGrowthPlacesOnlyNewQueues(@TempDir Path dir) {
    try (RegistryNodes cluster = RegistryNodes.start(dir, "Placement", 3)) {
      TopicConfig topic = create(cluster.get(2), "spread", 24).get("spread").orElseThrow();
      assertEquals(Map.of("g1", 8, "g2", 8, "g3", 8), counts(topic.queueGroups()));
      assertEquals("g3:spread/5", topic.queueEntityId(5), "round by round, ties by name; the entity id names the group");

      TopicRegistry.Change grown = call(cluster.get(3), r -> new TopicRegistry.UpdateTopic(
          new TopicConfig("spread", 30, MessageType.NORMAL, 0), r));
      TopicConfig after = assertInstanceOf(TopicRegistry.Changed.class, grown).topics().get("spread").orElseThrow();
      assertEquals(topic.queueGroups(), after.queueGroups().subList(0, 24), "existing queues keep their group");
      assertEquals(Map.of("g1", 2, "g2", 2, "g3", 2), counts(after.queueGroups().subList(24, 30)));

      // the next topic evens out what the groups hold over all topics
      TopicConfig small = create(cluster.get(1), "small", 3).get("small").orElseThrow();
      assertEquals(Map.of("g1", 1, "g2", 1, "g3", 1), counts(small.queueGroups()));
      awaitCatalog(cluster.get(1), "small");
      assertEquals(small, cluster.get(1).catalog().get("small").orElseThrow());
    }
  }

  @Test
  void aChangeNoMajorityConfirmsIsAnsweredOutcomeUnknown(@TempDir Path dir) {
    var quickWrites = com.typesafe.config.ConfigFactory.parseString("sluice.registry.write-timeout = 1 s");
    try (RegistryNodes cluster = RegistryNodes.start(dir, "NoMajority", 2, quickWrites)) {
      create(cluster.get(1), "before", 1);
      // node 2 stops without leaving: a member still, unreachable, so node 1 alone is no majority of 2
      cluster.get(2).kit().system().terminate();
      cluster.get(2).kit().system().getWhenTerminated().toCompletableFuture().join();
      cluster.nodes.remove(1);

      TopicRegistry.Change change = call(cluster.get(1), r -> new TopicRegistry.CreateTopic(
          new TopicConfig("unconfirmed", 1, MessageType.NORMAL, 0), r));
      TopicRegistry.OutcomeUnknown unknown = assertInstanceOf(TopicRegistry.OutcomeUnknown.class, change, change::toString);
      assertTrue(unknown.message().contains("outcome is unknown"), unknown.message());
      // the singleton's node holds the change: creating it again is refused, not done twice
      TopicRegistry.Change again = call(cluster.get(1), r -> new TopicRegistry.CreateTopic(
          new TopicConfig("unconfirmed", 1, MessageType.NORMAL, 0), r));
      assertInstanceOf(TopicRegistry.Rejected.class, again, again::toString);
      // node 1 stops like node 2: leaving would wait for the unreachable node 2 to be downed (SBR,
      // 20 s) and then for the exiting phase to time out (10 s); nothing is checked after this
      cluster.get(1).kit().system().terminate();
      cluster.get(1).kit().system().getWhenTerminated().toCompletableFuture().join();
      cluster.nodes.remove(0);
    }
  }

  private static Map<String, Integer> counts(List<String> groups) {
    Map<String, Integer> counts = new TreeMap<>();
    groups.forEach(g -> counts.merge(g, 1, Integer::sum));
    return counts;
  }
}
