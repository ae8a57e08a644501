package io.sluice.actors.placement;

import com.typesafe.config.Config;

/**
 * How queues are placed ({@code sluice.placement}).
 *
 * @param shardsPerGroup shards of each broker group per entity type: the unit sharding allocates
 *     and starts; every node must use the same value, since it is part of the shard ids
 */
public record PlacementSettings(int shardsPerGroup) {

  public PlacementSettings {
    if (shardsPerGroup < 1) {
      throw new IllegalArgumentException("sluice.placement.shards-per-group must be at least 1, was " + shardsPerGroup);
    }
  }

  public static PlacementSettings fromConfig(Config config) {
    return new PlacementSettings(config.getInt("sluice.placement.shards-per-group"));
  }
}
