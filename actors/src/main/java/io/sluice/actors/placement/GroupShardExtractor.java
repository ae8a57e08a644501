package io.sluice.actors.placement;

import io.sluice.actors.queue.Queue;
import org.apache.pekko.cluster.sharding.typed.HashCodeMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;

/**
 * Shard ids that name a queue's broker group: {@code <group>:<n>}, {@code n} the hash of the entity
 * id modulo {@code shardsPerGroup}, so {@link GroupShardAllocation} can place a shard from its id
 * alone. An entity id without a group (a single node before placement, unit tests) keeps Pekko's
 * default shard id (hash modulo {@code number-of-shards}, a plain number). A queue, its delay timer
 * and its transaction log share the entity id, hence the shard id, hence the node.
 */
public final class GroupShardExtractor<M> extends ShardingMessageExtractor<ShardingEnvelope<M>, M> {
  private static final char SEPARATOR = ':';

  private final HashCodeMessageExtractor<M> ungrouped;
  private final int shardsPerGroup;

  public GroupShardExtractor(int numberOfShards, int shardsPerGroup) {
    if (shardsPerGroup < 1) {
      throw new IllegalArgumentException("shards per group must be at least 1, was " + shardsPerGroup);
    }
    this.ungrouped = new HashCodeMessageExtractor<>(numberOfShards);
    this.shardsPerGroup = shardsPerGroup;
  }

  @Override
  public String entityId(ShardingEnvelope<M> envelope) {
    return envelope.entityId();
  }

  @Override
  public String shardId(String entityId) {
    String group = Queue.brokerGroupOf(entityId);
    if (group.isEmpty()) {
      return ungrouped.shardId(entityId);
    }
    return group + SEPARATOR + Math.floorMod(entityId.hashCode(), shardsPerGroup);
  }

  @Override
  public M unwrapMessage(ShardingEnvelope<M> envelope) {
    return envelope.message();
  }

  /** The broker group a shard id names; empty for a shard of ungrouped ids. */
  public static String groupOfShard(String shardId) {
    int separator = shardId.indexOf(SEPARATOR);
    return separator < 0 ? "" : shardId.substring(0, separator);
  }
}
