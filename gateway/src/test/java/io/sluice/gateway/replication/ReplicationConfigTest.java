package io.sluice.gateway.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationConfigTest {
  private static Config config(String overrides) {
    return ConfigFactory.load(ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  }

  private static final String GROUPS = "sluice.controller.groups { g1 = [g1, g2], g2 = [g2, g3], g3 = [g3, g1] }\n";

  @Test
  void theSettingsReachTheJournalOfAReplicatedOwnGroup() {
    Config applied = ReplicationConfig.apply(
        config(GROUPS + "sluice.cluster.replication { mode = sync, min-in-sync = 2, timeout = 3 s }"), "g1");
    assertEquals("sync", applied.getString("sluice.persistence.journal.replication.mode"));
    assertEquals(2, applied.getInt("sluice.persistence.journal.replication.min-in-sync"));
    assertEquals(3_000, applied.getDuration("sluice.persistence.journal.replication.timeout").toMillis());
  }

  @Test
  void aNodeCarriesEveryGroupWhoseReplicasNameItsGroup() {
    assertEquals(List.of("g1", "g3"), ReplicationConfig.carriedGroups(config(GROUPS), "g1"));
    assertEquals(List.of(), ReplicationConfig.carriedGroups(config(GROUPS), "g4"));
  }

  @Test
  void anUnreplicatedOwnGroupsJournalHasNoGate() {
    Config applied = ReplicationConfig.apply(config(
        "sluice.controller.groups { g2 = [g2, g3] }\nsluice.cluster.replication.mode = sync"), "g1");
    assertEquals("none", applied.getString("sluice.persistence.journal.replication.mode"));
  }

  @Test
  void carryingAReplicatedGroupWithoutReplicationIsRefused() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ReplicationConfig.apply(config("sluice.controller.groups { g2 = [g2, g1] }"), "g1"));
    assertTrue(e.getMessage().contains("mode must be async or sync"), e.getMessage());
  }

  @Test
  void anOwnGroupListedWithoutItselfIsRefused() {
    var e = assertThrows(IllegalArgumentException.class, () -> ReplicationConfig.apply(
        config("sluice.controller.groups { g1 = [g2, g3] }\nsluice.cluster.replication.mode = async"), "g1"));
    assertTrue(e.getMessage().contains("own broker group"), e.getMessage());
  }

  @Test
  void aReplicaListedTwiceIsRefused() {
    var e = assertThrows(IllegalArgumentException.class, () -> ReplicationConfig.apply(
        config("sluice.controller.groups { g1 = [g1, g2, g1] }\nsluice.cluster.replication.mode = async"), "g1"));
    assertTrue(e.getMessage().contains("once each"), e.getMessage());
  }

  @Test
  void aMinInSyncAboveAGroupsReplicasIsRefused() {
    var e = assertThrows(IllegalArgumentException.class, () -> ReplicationConfig.apply(
        config(GROUPS + "sluice.cluster.replication { mode = sync, min-in-sync = 3 }"), "g1"));
    assertTrue(e.getMessage().contains("exceeds the 2 replicas"), e.getMessage());
  }

  @Test
  void aSyncTimeoutNotBelowTheAskTimeoutIsRefused() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ReplicationConfig.apply(config("sluice.cluster.replication { mode = sync, timeout = 10 s }"), "g1"));
    assertTrue(e.getMessage().contains("ask-timeout"), e.getMessage());
  }

  @Test
  void withoutSyncReplicationTheTimeoutIsUnusedAndAShortAskTimeoutStarts() {
    for (String mode : new String[] {"none", "async"}) {
      Config applied = ReplicationConfig.apply(config((mode.equals("none") ? "" : GROUPS)
          + "sluice.cluster.replication.mode = " + mode + "\nsluice.gateway.ask-timeout = 5 ms"), "g1");
      assertEquals(mode, applied.getString("sluice.persistence.journal.replication.mode"));
    }
  }

  @Test
  void chunksThatDoNotFitALargeFrameAreRefused() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ReplicationConfig.apply(config("sluice.cluster.replication.fetch-max-bytes = 18 MiB"), "g1"));
    assertTrue(e.getMessage().contains("maximum-large-frame-size"), e.getMessage());
  }

  @Test
  void anUnknownModeIsRefused() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ReplicationConfig.apply(config("sluice.cluster.replication.mode = quorum"), "g1"));
    assertTrue(e.getMessage().contains("none, async or sync"), e.getMessage());
  }
}
