package io.sluice.gateway.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.sluice.actors.placement.GroupPlugins;
import java.nio.file.Path;
import java.util.List;

/**
 * Defines, before the actor system starts, the persistence plugins of every broker group the node
 * carries ({@link GroupPlugins}: {@code sluice.groups.<group>.journal}, {@code .snapshot-store},
 * {@code .query}), so the entities of a group run on the group's store. Each is a copy of the
 * node's own block ({@code pekko.persistence.journal.plugin}, {@code
 * sluice.persistence.log-snapshot-store}, {@code sluice.persistence.query}) pointed at the group's
 * journal. The node's own group keeps the journal's directory ({@code <data-dir>/store}, so data of
 * before needs no move; both plugin ids share one store) and imports the snapshot files of before;
 * a followed group's store is {@code <data-dir>/replicas/<group>/store}, with no import. The
 * replication blocks are set afterwards ({@code ReplicationConfig}): a replicated group's journal
 * gates writes by the node's replication settings once the node masters the group.
 */
public final class GroupPluginConfig {
  static final String SNAPSHOT_STORE = "sluice.persistence.log-snapshot-store";
  static final String QUERY = "sluice.persistence.query";

  private GroupPluginConfig() {}

  /** {@code config} with the plugins of {@code ownGroup} and of each group in {@code followed}. */
  public static Config apply(Config config, String ownGroup, List<String> followed) {
    Config journal = config.getConfig(config.getString("pekko.persistence.journal.plugin"));
    Config result = withGroup(config, ownGroup, journal, config.getString(SNAPSHOT_STORE + ".import-dir"));
    for (String group : followed) {
      Config replica = journal
          .withValue("dir", ConfigValueFactory.fromAnyRef(replicaDir(config, group).toString()));
      result = withGroup(result, group, replica, "");
    }
    return result;
  }

  /** Where this node keeps its replica of {@code group}: {@code <data-dir>/replicas/<group>/store}. */
  public static Path replicaDir(Config config, String group) {
    return Path.of(config.getString("sluice.data-dir"), "replicas", group, "store");
  }

  private static Config withGroup(Config config, String group, Config journal, String importDir) {
    String journalId = GroupPlugins.journalOf(group);
    Config snapshots = config.getConfig(SNAPSHOT_STORE)
        .withValue("journal-plugin-id", ConfigValueFactory.fromAnyRef(journalId))
        .withValue("import-dir", ConfigValueFactory.fromAnyRef(importDir));
    Config query = config.getConfig(QUERY)
        .withValue("journal-plugin-id", ConfigValueFactory.fromAnyRef(journalId));
    return config
        .withValue(journalId, journal.root())
        .withValue(GroupPlugins.snapshotStoreOf(group), snapshots.root())
        .withValue(GroupPlugins.queryOf(group), query.root());
  }
}
