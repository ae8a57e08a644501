package io.sluice.actors.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.queue.Queue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two actor systems in one JVM, each with its own journal, carrying broker groups {@code a} and
 * {@code b}: each group's queue runs on its own node whoever asks, and when the node of {@code b}
 * leaves, {@code b}'s queue is not started on {@code a}'s node (whose journal does not hold its
 * data): calls to it get no answer instead of one from an empty queue.
 */
class GroupPlacementTwoNodesTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String QUEUE_OF_A = Queue.entityId("a", "orders", 0, 0);
  private static final String QUEUE_OF_B = Queue.entityId("b", "orders", 0, 1);

  @TempDir Path dirA;
  @TempDir Path dirB;
  ActorTestKit nodeA;
  ActorTestKit nodeB;

  @AfterEach
  void stop() {
    if (nodeB != null) {
      nodeB.shutdownTestKit();
    }
    nodeA.shutdownTestKit();
  }

  @Test
  void aGroupsQueueRunsOnlyOnItsNodeAndNowhereElseWhenThatNodeLeaves() throws Exception {
    nodeA = ActorTestKit.create("Placement", nodeConfig(dirA, "a"));
    ActorsTestConfig.joinSelf(nodeA.system());
    nodeB = ActorTestKit.create("Placement", nodeConfig(dirB, "b"));
    Cluster.get(nodeB.system()).manager().tell(Join.create(Cluster.get(nodeA.system()).selfMember().address()));
    Queue.init(nodeA.system(), ActorsTestConfig.READ_JOURNAL);
    Queue.init(nodeB.system(), ActorsTestConfig.READ_JOURNAL);
    awaitUpMembers(nodeA, 2);
    awaitUpMembers(nodeB, 2);

    // asked through the other node, each queue starts on its own group's node
    assertEquals(0, endOffset(nodeA.system(), QUEUE_OF_B, WAIT));
    assertEquals(0, endOffset(nodeB.system(), QUEUE_OF_A, WAIT));
    assertEquals(Set.of(QUEUE_OF_B), entitiesOn(nodeB));
    assertEquals(Set.of(QUEUE_OF_A), entitiesOn(nodeA));

    Cluster.get(nodeB.system()).manager().tell(Leave.create(Cluster.get(nodeB.system()).selfMember().address()));
    awaitUpMembers(nodeA, 1);
    nodeB.shutdownTestKit();
    nodeB = null;

    // no node carries b now: the call is buffered by sharding and never answered from a's journal
    ExecutionException e = assertThrows(ExecutionException.class, () -> endOffset(nodeA.system(), QUEUE_OF_B, Duration.ofSeconds(5)));
    assertTrue(e.getCause() instanceof java.util.concurrent.TimeoutException, e.toString());
    assertFalse(entitiesOn(nodeA).contains(QUEUE_OF_B), entitiesOn(nodeA).toString());
    assertEquals(0, endOffset(nodeA.system(), QUEUE_OF_A, WAIT), "a's own queue still serves");
  }

  private static Config nodeConfig(Path dir, String group) {
    return ConfigFactory.parseString("pekko.cluster.roles = [\"" + BrokerGroups.roleOf(group) + "\"]")
        .withFallback(ActorsTestConfig.create(dir));
  }

  private static long endOffset(ActorSystem<?> system, String queue, Duration timeout) throws Exception {
    return ClusterSharding.get(system).entityRefFor(Queue.ENTITY_KEY, queue)
        .<Queue.EndOffset>ask(Queue.GetEndOffset::new, timeout)
        .toCompletableFuture().get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS).offset();
  }

  private static Set<String> entitiesOn(ActorTestKit node) {
    TestProbe<ShardRegion.CurrentShardRegionState> probe = node.createTestProbe();
    ClusterSharding.get(node.system()).shardState().tell(new GetShardRegionState(Queue.ENTITY_KEY, probe.ref()));
    return probe.expectMessageClass(ShardRegion.CurrentShardRegionState.class).getShards().stream()
        .flatMap(shard -> shard.getEntityIds().stream()).collect(Collectors.toSet());
  }

  private static void awaitUpMembers(ActorTestKit node, int count) {
    node.createTestProbe().awaitAssert(WAIT, () -> {
      long up = java.util.stream.StreamSupport.stream(
              Cluster.get(node.system()).state().getMembers().spliterator(), false)
          .filter(m -> m.status() == MemberStatus.up()).count();
      assertEquals(count, up);
      assertEquals(count, Cluster.get(node.system()).state().members().size());
      return null;
    });
  }
}
