package io.sluice.gateway.replication;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * {@code sluice.cluster.replication}: which broker groups this node keeps a replica of, and how its
 * own group is replicated.
 *
 * @param follow broker groups this node keeps a replica of (never its own)
 * @param mode replication of the node's own group
 * @param minInSync copies (master included) a sync write needs in the in-sync set
 * @param timeout how long a sync write waits for the in-sync set before REPLICATION_TIMEOUT
 * @param replicaMaxLag a replica that has not reached the master's end (or not fetched) for this
 *     long leaves the in-sync set
 * @param fetchMaxBytes about the most CommitLog bytes per chunk (one larger record goes whole)
 * @param longPoll how long the master holds a fetch when nothing new is there
 */
public record ReplicationSettings(
    List<String> follow, Mode mode, int minInSync, Duration timeout, Duration replicaMaxLag, int fetchMaxBytes,
    Duration longPoll) {

  public static final String PATH = "sluice.cluster.replication";

  /** How the node's own group is replicated. */
  public enum Mode {
    /** No replica: nothing is served to followers. */
    NONE,
    /** Served to followers; writes are acknowledged after the master's own write. */
    ASYNC,
    /** Writes are acknowledged once every member of the in-sync set has them. */
    SYNC
  }

  public ReplicationSettings {
    follow = List.copyOf(follow);
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
        c.getStringList("follow"),
        parsed,
        c.getInt("min-in-sync"),
        c.getDuration("timeout"),
        c.getDuration("replica-max-lag"),
        Math.toIntExact(c.getBytes("fetch-max-bytes")),
        c.getDuration("long-poll"));
  }
}
