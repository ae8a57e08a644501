package io.sluice.actors.placement;

import io.sluice.actors.controller.GroupMasters;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.cluster.sharding.ShardCoordinator.ShardAllocationStrategy;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

/**
 * Sharding of the entities that live with a queue's data ({@code Queue}, {@code DelayTimer},
 * {@code QueueTransactions}): the same shard ids ({@link GroupShardExtractor}) and the same
 * allocation ({@link GroupShardAllocation}) for all three, so a queue's timer and transaction log
 * run on its node.
 */
public final class GroupPlacement {
  private GroupPlacement() {}

  public static <M> Entity<M, ShardingEnvelope<M>> placed(ActorSystem<?> system, Entity<M, ShardingEnvelope<M>> entity) {
    ClusterShardingSettings sharding = ClusterShardingSettings.create(system);
    PlacementSettings placement = PlacementSettings.fromConfig(system.settings().config());
    return entity
        .withMessageExtractor(new GroupShardExtractor<M>(sharding.numberOfShards(), placement.shardsPerGroup()))
        .withAllocationStrategy(new GroupShardAllocation(
            members(system), defaultStrategy(sharding)));
  }

  private static ClusterMembers members(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(Adapter.toClassic(system));
    return new ClusterMembers(cluster, new GroupServers(cluster::state, GroupMasters.get(system)));
  }

  /** Pekko's default allocation strategy for these settings (as sharding builds it when none is given). */
  private static ShardAllocationStrategy defaultStrategy(ClusterShardingSettings settings) {
    ClusterShardingSettings.TuningParameters tuning = settings.tuningParameters();
    if (tuning.leastShardAllocationAbsoluteLimit() > 0) {
      return ShardCoordinator.ShardAllocationStrategy$.MODULE$.leastShardAllocationStrategy(
          tuning.leastShardAllocationAbsoluteLimit(), tuning.leastShardAllocationRelativeLimit());
    }
    return new ShardCoordinator.LeastShardAllocationStrategy(
        tuning.leastShardAllocationRebalanceThreshold(), tuning.leastShardAllocationMaxSimultaneousRebalance());
  }
}
