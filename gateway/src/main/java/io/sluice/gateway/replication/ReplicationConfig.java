package io.sluice.gateway.replication;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.placement.GroupPlugins;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks {@code sluice.cluster.replication} and {@code sluice.controller.groups} at startup and
 * hands the replication settings to the journal of every replicated group the node carries (its
 * own included when listed), whose sync gate applies them to every write once the node masters the
 * group; an unreplicated own group's journal gets mode none.
 */
public final class ReplicationConfig {
  private static final Logger log = LoggerFactory.getLogger(ReplicationConfig.class);
  /** Room in a large Artery frame for a chunk's fields and envelope besides its bytes. */
  static final long FRAME_OVERHEAD = 64 * 1024;

  private ReplicationConfig() {}

  /**
   * The replicated groups this node carries: those whose replica list ({@code
   * sluice.controller.groups}) names {@code ownGroup}, in configuration order.
   */
  public static List<String> carriedGroups(Config config, String ownGroup) {
    List<String> carried = new ArrayList<>();
    GroupMasters.replicasOf(config).forEach((group, replicas) -> {
      if (replicas.contains(ownGroup)) {
        carried.add(group);
      }
    });
    return carried;
  }

  /**
   * {@code config} with the replication block of the default journal and of each carried group's
   * journal ({@code sluice.groups.<group>.journal}, when defined) set from {@code
   * sluice.cluster.replication}.
   *
   * @throws IllegalArgumentException naming the setting that cannot work
   */
  public static Config apply(Config config, String ownGroup) {
    ReplicationSettings s = ReplicationSettings.fromConfig(config);
    Map<String, List<String>> groups = GroupMasters.replicasOf(config);
    check(s, config, ownGroup, groups);
    List<String> carried = carriedGroups(config, ownGroup);
    String node = carried.contains(ownGroup) ? s.mode().name().toLowerCase(Locale.ROOT) : "none";
    Config result = withReplication(config, config.getString("pekko.persistence.journal.plugin"), node, s);
    for (String group : carried) {
      result = withReplication(result, GroupPlugins.journalOf(group), s.mode().name().toLowerCase(Locale.ROOT), s);
    }
    if (!carried.contains(ownGroup)) {
      result = withReplication(result, GroupPlugins.journalOf(ownGroup), "none", s);
    }
    return result;
  }

  /** {@code config} with {@code journal}'s replication block set, if that journal is defined. */
  private static Config withReplication(Config config, String journal, String mode, ReplicationSettings s) {
    if (!config.hasPath(journal)) {
      return config;
    }
    String block = journal + ".replication";
    return config
        .withValue(block + ".mode", ConfigValueFactory.fromAnyRef(mode))
        .withValue(block + ".min-in-sync", ConfigValueFactory.fromAnyRef(s.minInSync()))
        .withValue(block + ".timeout", ConfigValueFactory.fromAnyRef(s.timeout().toMillis() + " ms"));
  }

  static void check(ReplicationSettings s, Config config, String ownGroup, Map<String, List<String>> groups) {
    String p = ReplicationSettings.PATH;
    String g = "sluice.controller.groups";
    List<String> carried = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : groups.entrySet()) {
      List<String> replicas = e.getValue();
      if (replicas.isEmpty() || replicas.stream().distinct().count() != replicas.size()) {
        throw new IllegalArgumentException(g + "." + e.getKey() + " must list the group's replicas once each, not "
            + replicas);
      }
      if (replicas.contains(ownGroup)) {
        carried.add(e.getKey());
      }
      if (s.mode() == ReplicationSettings.Mode.SYNC && s.minInSync() > replicas.size()) {
        throw new IllegalArgumentException(p + ".min-in-sync = " + s.minInSync() + " exceeds the " + replicas.size()
            + " replicas of group '" + e.getKey() + "' in " + g + ": its writes would always be refused");
      }
    }
    if (groups.containsKey(ownGroup) && !groups.get(ownGroup).contains(ownGroup)) {
      throw new IllegalArgumentException(g + "." + ownGroup + " does not name '" + ownGroup
          + "', this node's own broker group: the node's own store would be no replica of it");
    }
    if (!carried.isEmpty() && s.mode() == ReplicationSettings.Mode.NONE) {
      throw new IllegalArgumentException(g + " makes this node ('" + ownGroup + "') a replica of " + carried
          + ": " + p + ".mode must be async or sync (it applies to every group the node masters)");
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
    if (s.mode() == ReplicationSettings.Mode.SYNC && s.minInSync() > 1 && !carried.isEmpty()) {
      log.warn("Groups {} replicate sync with min-in-sync = {}: writes are refused (NOT_ENOUGH_REPLICAS) "
          + "while fewer than {} replica(s) besides the master are in sync", carried, s.minInSync(),
          s.minInSync() - 1);
    }
    if (carried.isEmpty() && s.mode() != ReplicationSettings.Mode.NONE) {
      log.warn("{}.mode = {} has no effect: {} names no group that this node ('{}') carries", p,
          s.mode().name().toLowerCase(Locale.ROOT), g, ownGroup);
    }
  }
}
