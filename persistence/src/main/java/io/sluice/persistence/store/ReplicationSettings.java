package io.sluice.persistence.store;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;

/**
 * The {@code replication} block of a journal plugin: how writes wait for replicas.
 *
 * @param minInSync copies in sync, the master included, below which {@code sync} writes are
 *     refused
 * @param timeout how long a {@code sync} write waits for its commit
 */
public record ReplicationSettings(ReplicationMode mode, int minInSync, Duration timeout) {
  public ReplicationSettings {
    if (minInSync < 1) {
      throw new IllegalArgumentException("replication.min-in-sync must be at least 1, was " + minInSync);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("replication.timeout must be positive, was " + timeout);
    }
  }

  static ReplicationSettings fromConfig(Config c) {
    return new ReplicationSettings(
        ReplicationMode.valueOf(c.getString("mode").toUpperCase(Locale.ROOT)),
        c.getInt("min-in-sync"),
        c.getDuration("timeout"));
  }

  /** Whether writes wait for their commit and reads see only committed records. */
  public boolean isSync() {
    return mode == ReplicationMode.SYNC;
  }
}
