package io.sluice.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sluice.actors.placement.GroupPlugins;
import io.sluice.gateway.replication.ReplicationConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupPluginConfigTest {
  private static final Config BASE = ConfigFactory.load(
      ConfigFactory.parseString("sluice.data-dir = /d\nsluice.cluster.replication { mode = sync, min-in-sync = 2 }\n"
              + "sluice.controller.groups { g1 = [g1, g2], g2 = [g2, g3], g3 = [g3, g1] }\n")
          .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  private static final Config APPLIED = ReplicationConfig.apply(GroupPluginConfig.apply(BASE, "g1", List.of("g3")), "g1");

  @Test
  void theOwnGroupKeepsTheJournalsDirectorySettingsAndSnapshotImport() {
    Config journal = APPLIED.getConfig(GroupPlugins.journalOf("g1"));
    assertEquals(Path.of("/d/store"), Path.of(journal.getString("dir")));
    assertEquals(APPLIED.getConfig("sluice.persistence.journal"), journal);
    assertEquals("sync", journal.getString("replication.mode"));
    Config snapshots = APPLIED.getConfig(GroupPlugins.snapshotStoreOf("g1"));
    assertEquals("io.sluice.persistence.snapshot.LogSnapshotStore", snapshots.getString("class"));
    assertEquals(GroupPlugins.journalOf("g1"), snapshots.getString("journal-plugin-id"));
    assertEquals(Path.of("/d/snapshots"), Path.of(snapshots.getString("import-dir")));
    Config query = APPLIED.getConfig(GroupPlugins.queryOf("g1"));
    assertEquals("io.sluice.persistence.query.SluiceReadJournalProvider", query.getString("class"));
    assertEquals(GroupPlugins.journalOf("g1"), query.getString("journal-plugin-id"));
  }

  @Test
  void aFollowedGroupLivesInItsReplicaDirectoryAndGatesWritesOnceMasteredWithoutImport() {
    Config journal = APPLIED.getConfig(GroupPlugins.journalOf("g3"));
    assertEquals(Path.of("/d/replicas/g3/store"), Path.of(journal.getString("dir")));
    // the node's settings: its gate once the node is promoted to master g3
    assertEquals("sync", journal.getString("replication.mode"));
    assertEquals(2, journal.getInt("replication.min-in-sync"));
    assertEquals(APPLIED.getBytes("sluice.persistence.journal.segment-size"), journal.getBytes("segment-size"));
    assertEquals("", APPLIED.getString(GroupPlugins.snapshotStoreOf("g3") + ".import-dir"));
    assertEquals(GroupPlugins.journalOf("g3"), APPLIED.getString(GroupPlugins.snapshotStoreOf("g3") + ".journal-plugin-id"));
    assertEquals(GroupPlugins.journalOf("g3"), APPLIED.getString(GroupPlugins.queryOf("g3") + ".journal-plugin-id"));
  }

  @Test
  void entitiesPickTheirGroupsPluginsAndOthersTheDefaults() {
    GroupPlugins plugins = GroupPlugins.fromConfig(APPLIED, "sluice.persistence.query");
    assertEquals(new GroupPlugins.Ids(GroupPlugins.journalOf("g3"), GroupPlugins.snapshotStoreOf("g3"),
        GroupPlugins.queryOf("g3")), plugins.forEntity("g3:orders/3"));
    assertEquals(GroupPlugins.Ids.defaults("sluice.persistence.query"), plugins.forEntity("orders/3"));
    assertEquals(GroupPlugins.Ids.defaults("sluice.persistence.query"), plugins.forEntity("g2:orders/3"));
  }
}
