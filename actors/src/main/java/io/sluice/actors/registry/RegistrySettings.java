package io.sluice.actors.registry;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code sluice.registry}: how the registry singletons use Distributed Data.
 *
 * @param writeTimeout a change waits this long for a majority of nodes to store it
 * @param readTimeout a singleton that starts waits this long to read a majority of nodes
 * @param retryInterval a failed start read is tried again after this pause
 * @param stashCapacity commands kept while the singleton starts or writes; more are dropped
 */
public record RegistrySettings(Duration writeTimeout, Duration readTimeout, Duration retryInterval, int stashCapacity) {

  public static RegistrySettings fromConfig(Config config) {
    Config c = config.getConfig("sluice.registry");
    return new RegistrySettings(c.getDuration("write-timeout"), c.getDuration("read-timeout"),
        c.getDuration("retry-interval"), c.getInt("stash-capacity"));
  }
}
