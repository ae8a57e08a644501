package io.sluice.gateway.replication;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks {@code sluice.cluster.replication} at startup and hands the node's own group's settings to
 * its journal ({@code <journal>.replication}), whose sync gate applies them to every write.
 */
public final class ReplicationConfig {
  private static final Logger log = LoggerFactory.getLogger(ReplicationConfig.class);
  /** Room in a large Artery frame for a chunk's fields and envelope besides its bytes. */
  static final long FRAME_OVERHEAD = 64 * 1024;

  private ReplicationConfig() {}

  /**
   * {@code config} with the journal's replication block set from {@code sluice.cluster.replication}.
   *
   * @throws IllegalArgumentException naming the setting that cannot work
   */
  public static Config apply(Config config, String ownGroup) {
    ReplicationSettings s = ReplicationSettings.fromConfig(config);
    check(s, config, ownGroup);
    String journal = config.getString("pekko.persistence.journal.plugin") + ".replication";
    return config
        .withValue(journal + ".mode", ConfigValueFactory.fromAnyRef(s.mode().name().toLowerCase(Locale.ROOT)))
        .withValue(journal + ".min-in-sync", ConfigValueFactory.fromAnyRef(s.minInSync()))
        .withValue(journal + ".timeout", ConfigValueFactory.fromAnyRef(s.timeout().toMillis() + " ms"));
  }

  static void check(ReplicationSettings s, Config config, String ownGroup) {
    String p = ReplicationSettings.PATH;
    if (s.follow().contains(ownGroup)) {
      throw new IllegalArgumentException(p + ".follow names '" + ownGroup
          + "', this node's own broker group: a node cannot keep a replica of the group it masters");
    }
    if (s.follow().stream().distinct().count() != s.follow().size()) {
      throw new IllegalArgumentException(p + ".follow names a group twice: " + s.follow());
    }
    if (s.minInSync() < 1) {
      throw new IllegalArgumentException(p + ".min-in-sync must be at least 1 (the master), not " + s.minInSync());
    }
    // Only a sync write waits for its replicas; other modes never use the timeout.
    long askTimeout = config.getDuration("sluice.gateway.ask-timeout").toMillis();
    if (s.mode() == ReplicationSettings.Mode.SYNC && s.timeout().toMillis() >= askTimeout) {
      throw new IllegalArgumentException(p + ".timeout (" + s.timeout().toMillis() + " ms) must be below "
          + "sluice.gateway.ask-timeout (" + askTimeout + " ms), so a producer learns REPLICATION_TIMEOUT "
          + "rather than a plain timeout");
    }
    if (s.longPoll().isNegative() || s.longPoll().isZero() || s.replicaMaxLag().compareTo(s.longPoll()) <= 0) {
      throw new IllegalArgumentException(p + ".long-poll must be positive and below replica-max-lag");
    }
    long frame = config.getBytes("pekko.remote.artery.advanced.maximum-large-frame-size");
    long record = config.getBytes(config.getString("pekko.persistence.journal.plugin") + ".max-record-size");
    long chunk = Math.max(s.fetchMaxBytes(), record);
    if (s.fetchMaxBytes() < 1 || chunk + FRAME_OVERHEAD > frame) {
      throw new IllegalArgumentException(p + ".fetch-max-bytes (" + s.fetchMaxBytes() + ") and the journal's "
          + "max-record-size (" + record + "; a larger record goes alone) plus " + FRAME_OVERHEAD
          + " bytes must fit pekko.remote.artery.advanced.maximum-large-frame-size (" + frame + ")");
    }
    if (s.mode() == ReplicationSettings.Mode.SYNC && s.minInSync() > 1) {
      log.warn("Broker group '{}' replicates sync with min-in-sync = {}: writes are refused (NOT_ENOUGH_REPLICAS) "
          + "until {} replica(s) following it are in sync; check that enough nodes list it in {}.follow",
          ownGroup, s.minInSync(), s.minInSync() - 1, p);
    }
    if (s.mode() == ReplicationSettings.Mode.NONE && s.minInSync() > 1) {
      log.warn("{}.min-in-sync = {} has no effect with mode = none", p, s.minInSync());
    }
  }
}
