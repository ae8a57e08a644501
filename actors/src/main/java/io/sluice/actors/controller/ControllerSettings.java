package io.sluice.actors.controller;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code sluice.controller}: how the replica controller uses Distributed Data.
 *
 * @param writeTimeout a decision (and the term bump) waits this long for a majority to store it
 * @param readTimeout a controller that starts waits this long to read a majority
 * @param retryInterval a failed start, or a decision no majority confirmed, restarts the controller
 *     after this pause (it reads a majority and takes a new term again)
 * @param stashCapacity commands kept while the controller starts or writes; more are dropped
 */
public record ControllerSettings(Duration writeTimeout, Duration readTimeout, Duration retryInterval, int stashCapacity) {

  public static ControllerSettings fromConfig(Config config) {
    Config c = config.getConfig("sluice.controller");
    return new ControllerSettings(c.getDuration("write-timeout"), c.getDuration("read-timeout"),
        c.getDuration("retry-interval"), c.getInt("stash-capacity"));
  }
}
