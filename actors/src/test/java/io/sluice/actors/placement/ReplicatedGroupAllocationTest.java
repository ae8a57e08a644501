package io.sluice.actors.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.GroupState;
import io.sluice.actors.controller.ReplicaController;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Await;
import scala.concurrent.Future;
import scala.concurrent.duration.FiniteDuration;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Allocation of a replicated group's shards on a one-node cluster whose node carries the role of
 * every group: the shards follow the controller's ACTIVE master ({@link GroupMasters}, fed here by
 * writing decisions into Distributed Data as the controller does), never the role holder.
 */
class ReplicatedGroupAllocationTest {
  static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("""
      pekko.actor.provider = cluster
      pekko.remote.artery.canonical.hostname = "127.0.0.1"
      pekko.remote.artery.canonical.port = 0
      pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
      pekko.cluster.roles = ["broker-group:r1", "broker-group:r2", "broker-group:r3", "broker-group:r4", "broker-group:u"]
      pekko.cluster.distributed-data.notify-subscribers-interval = 50 ms
      sluice.controller.groups { r1 = [r1, x], r2 = [r2, x], r3 = [r3, x], r4 = [r4, x] }
      """));
  static final String ELSEWHERE = "pekko://sluice@10.0.0.2:7355";

  static GroupShardAllocation strategy;
  static ActorRef regionHere;
  static String self;
  static long version;

  @BeforeAll
  static void joinSelf() {
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertEquals(MemberStatus.up(), cluster.selfMember().status());
      return null;
    });
    self = cluster.selfMember().address().toString();
    org.apache.pekko.cluster.Cluster classic = org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(kit.system()));
    strategy = new GroupShardAllocation(
        new ClusterMembers(classic, new GroupServers(classic::state, GroupMasters.get(kit.system()))),
        new ShardCoordinator.LeastShardAllocationStrategy(1, 3));
    strategy.start(Adapter.toClassic(kit.system()));
    // a probe's path is local: its region is on this node
    regionHere = Adapter.toClassic(kit.createTestProbe().ref());
  }

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @Test
  void aReplicatedGroupWithoutDecisionIsNotPlacedOnItsRoleHolder() throws Exception {
    var allocations = allocations(Map.of(regionHere, List.of()));
    assertThrows(GroupShardAllocation.NotPlaceable.class, () -> result(strategy.allocateShard(regionHere, "r1:3", allocations)));
    assertEquals(regionHere, result(strategy.allocateShard(regionHere, "u:3", allocations)), "an unreplicated group as before");
  }

  @Test
  void followsTheActiveMasterNotTheRoleHolder() throws Exception {
    var allocations = allocations(Map.of(regionHere, List.of()));
    decide("r2", ELSEWHERE, GroupState.Status.ACTIVE);
    assertThrows(GroupShardAllocation.NotPlaceable.class, () -> result(strategy.allocateShard(regionHere, "r2:3", allocations)));
    decide("r2", self, GroupState.Status.ACTIVE);
    assertEquals(regionHere, result(strategy.allocateShard(regionHere, "r2:3", allocations)));
  }

  @Test
  void aGroupNotActiveIsNotPlaceable() throws Exception {
    var allocations = allocations(Map.of(regionHere, List.of()));
    decide("r3", self, GroupState.Status.ACTIVE);
    assertEquals(regionHere, result(strategy.allocateShard(regionHere, "r3:1", allocations)));
    decide("r3", self, GroupState.Status.PROMOTING);
    assertThrows(GroupShardAllocation.NotPlaceable.class, () -> result(strategy.allocateShard(regionHere, "r3:1", allocations)));
    decide("r3", "", GroupState.Status.OFFLINE);
    assertThrows(GroupShardAllocation.NotPlaceable.class, () -> result(strategy.allocateShard(regionHere, "r3:1", allocations)));
  }

  @Test
  void handsOffAReplicatedGroupsShardsWhenItsMasterMoves() throws Exception {
    var allocations = allocations(Map.of(regionHere, List.of("r4:1", "r4:2", "u:1")));
    decide("r4", self, GroupState.Status.ACTIVE);
    assertEquals(Set.of(), rebalanced(allocations));
    decide("r4", ELSEWHERE, GroupState.Status.ACTIVE);
    assertEquals(Set.of("r4:1", "r4:2"), rebalanced(allocations), "an unreplicated group's shard never moves");
  }

  /** Writes a decision newer than every one before into Distributed Data and waits until this node's view has it. */
  private static void decide(String group, String masterAddress, GroupState.Status status) {
    GroupState state = new GroupState(group, masterAddress.isEmpty() ? "" : group, masterAddress, 1, Set.of(group),
        status, 1, ++version);
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

  private static Set<String> rebalanced(scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> allocations)
      throws Exception {
    return CollectionConverters.asJava(result(strategy.rebalance(allocations, scala.collection.immutable.Set$.MODULE$.empty())));
  }

  private static scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> allocations(
      Map<ActorRef, List<String>> byRegion) {
    Map<ActorRef, IndexedSeq<String>> converted = new LinkedHashMap<>();
    byRegion.forEach((region, shards) -> converted.put(region, CollectionConverters.asScala(shards).toIndexedSeq()));
    return scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(converted));
  }

  private static <T> T result(Future<T> future) throws Exception {
    return Await.result(future, FiniteDuration.apply(3, "s"));
  }
}
