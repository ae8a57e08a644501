package io.sluice.actors.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.actors.queue.Queue;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.cluster.sharding.typed.HashCodeMessageExtractor;
import org.apache.pekko.cluster.MemberStatus;
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

class GroupShardAllocationTest {
  /** A one-node cluster: Pekko's least-shards strategy, used for ungrouped shards, reads membership. */
  static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("""
      pekko.actor.provider = cluster
      pekko.remote.artery.canonical.hostname = "127.0.0.1"
      pekko.remote.artery.canonical.port = 0
      pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
      """));

  @BeforeAll
  static void joinSelf() {
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertEquals(MemberStatus.up(), cluster.selfMember().status());
      return null;
    });
  }
  static final Address NODE_A = new Address("pekko", "sluice", "10.0.0.1", 7355);
  static final Address NODE_B = new Address("pekko", "sluice", "10.0.0.2", 7355);

  final ActorRef regionA = Adapter.toClassic(kit.createTestProbe().ref());
  final ActorRef regionB = Adapter.toClassic(kit.createTestProbe().ref());
  final Map<String, Address> upGroups = new LinkedHashMap<>(Map.of("a", NODE_A, "b", NODE_B));
  final GroupShardAllocation strategy = new GroupShardAllocation(new GroupShardAllocation.Members() {
    @Override
    public Optional<Address> upMemberOf(String brokerGroup) {
      return Optional.ofNullable(upGroups.get(brokerGroup));
    }

    @Override
    public Address addressOf(ActorRef region) {
      return region.equals(regionA) ? NODE_A : NODE_B;
    }
  }, new ShardCoordinator.LeastShardAllocationStrategy(1, 3));

  {
    strategy.start(Adapter.toClassic(kit.system()));
  }

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @Test
  void shardIdsOfGroupedQueuesNameTheirGroup() {
    var extractor = new GroupShardExtractor<String>(1000, 8);
    String queue = Queue.entityId("b", "orders", 0, 3);
    String shard = extractor.shardId(queue);
    assertEquals("b", GroupShardExtractor.groupOfShard(shard));
    assertEquals("b:" + Math.floorMod(queue.hashCode(), 8), shard);
    assertEquals(shard, extractor.shardId(Queue.entityId("b", "orders", 0, 3)), "timer and transaction log share it");
  }

  @Test
  void shardIdsOfUngroupedQueuesAreAsBefore() {
    var extractor = new GroupShardExtractor<String>(1000, 8);
    String queue = Queue.entityId("orders", 3);
    assertEquals(new HashCodeMessageExtractor<String>(1000).shardId(queue), extractor.shardId(queue));
    assertEquals("", GroupShardExtractor.groupOfShard(extractor.shardId(queue)));
  }

  @Test
  void allocatesAGroupShardOnlyToItsMember() throws Exception {
    // requested by node A, which has fewer shards: still goes to B, the owner of group b's data
    var allocations = allocations(Map.of(regionA, List.of(), regionB, List.of("7", "12")));
    assertEquals(regionB, result(strategy.allocateShard(regionA, "b:3", allocations)));
    assertEquals(regionA, result(strategy.allocateShard(regionB, "a:3", allocations)));
  }

  @Test
  void leavesAGroupShardUnallocatedWhileItsMemberIsNotUp() {
    upGroups.remove("b");
    var allocations = allocations(Map.of(regionA, List.of(), regionB, List.of()));
    assertThrows(GroupShardAllocation.NotPlaceable.class, () -> result(strategy.allocateShard(regionA, "b:3", allocations)));
  }

  @Test
  void leavesAGroupShardUnallocatedWhileItsMemberHasNoRegion() {
    var onlyA = allocations(Map.of(regionA, List.of()));
    assertThrows(GroupShardAllocation.NotPlaceable.class, () -> result(strategy.allocateShard(regionA, "b:3", onlyA)));
  }

  @Test
  void allocatesUngroupedShardsByTheDefaultStrategyCountingOnlyUngroupedShards() throws Exception {
    // A holds many group shards but no ungrouped one: the least-shards rule picks A
    var allocations = allocations(Map.of(regionA, List.of("a:1", "a:2", "a:3"), regionB, List.of("5")));
    assertEquals(regionA, result(strategy.allocateShard(regionB, "17", allocations)));
  }

  @Test
  void neverRebalancesGroupShards() throws Exception {
    var allocations = allocations(Map.of(regionA, List.of("a:1", "a:2", "a:3", "a:4", "a:5"), regionB, List.of()));
    assertTrue(CollectionConverters.asJava(result(strategy.rebalance(allocations, emptySet()))).isEmpty());
  }

  @Test
  void rebalancesUngroupedShardsAsTheDefaultStrategyDoes() throws Exception {
    var allocations = allocations(Map.of(regionA, List.of("1", "2", "3", "4", "a:1"), regionB, List.of("b:1")));
    Set<String> moved = CollectionConverters.asJava(result(strategy.rebalance(allocations, emptySet())));
    assertNotEquals(Set.of(), moved);
    assertTrue(moved.stream().allMatch(id -> GroupShardExtractor.groupOfShard(id).isEmpty()), moved.toString());
  }

  private static scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> allocations(
      Map<ActorRef, List<String>> byRegion) {
    Map<ActorRef, IndexedSeq<String>> converted = new LinkedHashMap<>();
    byRegion.forEach((region, shards) -> converted.put(region, CollectionConverters.asScala(shards).toIndexedSeq()));
    return scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(converted));
  }

  private static scala.collection.immutable.Set<String> emptySet() {
    return scala.collection.immutable.Set$.MODULE$.empty();
  }

  private static <T> T result(Future<T> future) throws Exception {
    return Await.result(future, FiniteDuration.apply(3, "s"));
  }
}
