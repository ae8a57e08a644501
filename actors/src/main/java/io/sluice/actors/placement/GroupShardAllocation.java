package io.sluice.actors.placement;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.cluster.sharding.ShardCoordinator.ShardAllocationStrategy;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;

/**
 * Allocates a broker group's shards ({@link GroupShardExtractor}: {@code <group>:<n>}) only to the
 * shard region of the member serving the group ({@link Members#upMemberOf}: a replicated group's
 * ACTIVE master, any other group's role holder): that node has the group's data, and any other node
 * would recover the queue from its own, different journal (offsets restarting at 0, acked messages
 * gone). When no member serves it (absent, not up, a replicated group not ACTIVE) or its member has
 * no region yet, the allocation fails; the region asks again every {@code retry-interval} (2 s) and
 * buffers the shard's messages meanwhile. Shards of a group without a controller are never
 * rebalanced; a replicated group's shards allocated to any region but its ACTIVE master's (a
 * planned switch, a deposed master) are handed off at the next rebalance, so they are allocated again
 * where the controller says. Shards of ids without a group are allocated and rebalanced by {@code
 * ungrouped} (Pekko's default), which never sees group shards.
 */
public final class GroupShardAllocation
    implements ShardAllocationStrategy, ShardCoordinator.ActorSystemDependentAllocationStrategy {

  /** Where broker groups run. */
  public interface Members {
    /** The address of the up member serving {@code brokerGroup}, if one is up. */
    Optional<Address> upMemberOf(String brokerGroup);

    /** Whether {@code brokerGroup}'s master is elected by the replica controller, so its shards may move. */
    default boolean followsController(String brokerGroup) {
      return false;
    }

    /** The address of the member a shard region runs on. */
    Address addressOf(ActorRef region);
  }

  private final Members members;
  private final ShardAllocationStrategy ungrouped;

  public GroupShardAllocation(Members members, ShardAllocationStrategy ungrouped) {
    this.members = members;
    this.ungrouped = ungrouped;
  }

  @Override
  public void start(ActorSystem system) {
    if (ungrouped instanceof ShardCoordinator.ActorSystemDependentAllocationStrategy dependent) {
      dependent.start(system);
    } else if (ungrouped instanceof ShardCoordinator.StartableAllocationStrategy startable) {
      startable.start();
    }
  }

  @Override
  public Future<ActorRef> allocateShard(ActorRef requester, String shardId,
      scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> currentShardAllocations) {
    String group = GroupShardExtractor.groupOfShard(shardId);
    if (group.isEmpty()) {
      return ungrouped.allocateShard(requester, shardId, withoutGroupShards(currentShardAllocations));
    }
    Optional<ActorRef> region = regionOf(group, CollectionConverters.asJava(currentShardAllocations).keySet());
    if (region.isPresent()) {
      return scala.concurrent.Future$.MODULE$.successful(region.get());
    }
    String why = members.followsController(group)
        ? "no ACTIVE, up master of replicated broker group '" + group + "' with a shard region (its queues are"
            + " unavailable until the controller's master serves them)"
        : "no up member of broker group '" + group + "' with a shard region (its queues are unavailable until that"
            + " node is back)";
    return scala.concurrent.Future$.MODULE$.failed(new NotPlaceable("shard " + shardId + " stays unallocated: " + why));
  }

  /** The region on the member serving {@code group}, if it is up and its region registered. */
  Optional<ActorRef> regionOf(String group, Set<ActorRef> regions) {
    Optional<Address> member = members.upMemberOf(group);
    if (member.isEmpty()) {
      return Optional.empty();
    }
    return regions.stream().filter(region -> members.addressOf(region).equals(member.get())).findFirst();
  }

  @Override
  public Future<scala.collection.immutable.Set<String>> rebalance(
      scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> currentShardAllocations,
      scala.collection.immutable.Set<String> rebalanceInProgress) {
    Set<String> inProgress = CollectionConverters.asJava(rebalanceInProgress);
    Set<String> ungroupedInProgress = inProgress.stream()
        .filter(GroupShardAllocation::ungrouped).collect(Collectors.toSet());
    Set<String> misplaced = misplacedReplicatedShards(currentShardAllocations);
    misplaced.removeAll(inProgress);
    Future<scala.collection.immutable.Set<String>> moved =
        ungrouped.rebalance(withoutGroupShards(currentShardAllocations), toScala(ungroupedInProgress));
    if (misplaced.isEmpty()) {
      return moved;
    }
    return FutureConverters.asScala(FutureConverters.asJava(moved).thenApply(ungroupedMoved -> {
      Set<String> all = new HashSet<>(CollectionConverters.asJava(ungroupedMoved));
      all.addAll(misplaced);
      return toScala(all);
    }));
  }

  /** Shards of replicated groups allocated to a region not on the group's ACTIVE master (or none is). */
  private Set<String> misplacedReplicatedShards(
      scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> allocations) {
    Set<String> misplaced = new HashSet<>();
    CollectionConverters.asJava(allocations).forEach((region, shards) -> {
      for (String shard : CollectionConverters.asJava(shards)) {
        String group = GroupShardExtractor.groupOfShard(shard);
        if (!group.isEmpty() && members.followsController(group)
            && !members.upMemberOf(group).equals(Optional.of(members.addressOf(region)))) {
          misplaced.add(shard);
        }
      }
    });
    return misplaced;
  }

  /**
   * Why a group shard is not allocated now. Without a stack trace: the coordinator logs it at
   * every retry (every {@code retry-interval}, per shard asked for), and where it was thrown says nothing.
   */
  public static final class NotPlaceable extends RuntimeException {
    NotPlaceable(String message) {
      super(message, null, false, false);
    }
  }

  private static boolean ungrouped(String shardId) {
    return GroupShardExtractor.groupOfShard(shardId).isEmpty();
  }

  /** The allocations with every group shard left out, every region kept. */
  private static scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> withoutGroupShards(
      scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> allocations) {
    Map<ActorRef, IndexedSeq<String>> kept = new LinkedHashMap<>();
    CollectionConverters.asJava(allocations).forEach((region, shards) -> {
      List<String> own = CollectionConverters.asJava(shards).stream()
          .filter(GroupShardAllocation::ungrouped).collect(Collectors.toList());
      kept.put(region, CollectionConverters.asScala(own).toIndexedSeq());
    });
    return scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(kept));
  }

  private static scala.collection.immutable.Set<String> toScala(Set<String> set) {
    return scala.collection.immutable.Set$.MODULE$.from(CollectionConverters.asScala(set));
  }
}
