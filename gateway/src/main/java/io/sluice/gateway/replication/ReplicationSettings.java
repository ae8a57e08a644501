package io.sluice.gateway.replication;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code sluice.cluster.replication}: how the replicated broker groups this node masters are
 * replicated (the groups and their replicas are {@code sluice.controller.groups}); the same on
 * every node, since any replica may be promoted.
 *
 * @param mode replication of every group the node masters
 * @param minInSync copies (master included) a sync write needs in the in-sync set
 * @param timeout how long a sync write waits for the in-sync set before REPLICATION_TIMEOUT
 * @param replicaMaxLag a replica that has not reached the master's end (or not fetched) for this
 *     long leaves the in-sync set
 * @param fetchMaxBytes about the most CommitLog bytes per chunk (one larger record goes whole)
 * @param longPoll how long the master holds a fetch when nothing new is there
 * @param reportInterval how often each replica (the master too) reports its log to the controller
 */
public record ReplicationSettings(
    Mode mode, int minInSync, Duration timeout, Duration replicaMaxLag, int fetchMaxBytes,
    Duration longPoll, Duration reportInterval) {

  public static final String PATH = "sluice.cluster.replication";

  /** How the groups the node masters are replicated. */
  public enum Mode {
    /** No replication: the node may carry no replicated group. */
    NONE,
    /** Served to replicas; writes are acknowledged after the master's own write. */
    ASYNC,
    /** Writes are acknowledged once every member of the in-sync set has them. */
    SYNC
  }

  public static ReplicationSettings fromConfig(Config config) {
    Config c = config.getConfig(PATH);
    String mode = c.getString("mode");
    Mode parsed;
    try {
      parsed = Mode.valueOf(mode.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(PATH + ".mode must be none, async or sync, not '" + mode + "'", e);
    }
    return new ReplicationSettings(
        parsed,
        c.getInt("min-in-sync"),
        c.getDuration("timeout"),
        c.getDuration("replica-max-lag"),
        Math.toIntExact(c.getBytes("fetch-max-bytes")),
        c.getDuration("long-poll"),
        c.getDuration("report-interval"));
  }
}
