package io.sluice.gateway.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class ReplicationConfigTest {
  private static Config config(String overrides) {
    return ConfigFactory.load(ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  }

  @Test
  void theOwnGroupsSettingsReachTheJournal() {
    Config applied = ReplicationConfig.apply(config("sluice.cluster.replication { mode = sync, min-in-sync = 2, timeout = 3 s }"), "g1");
    assertEquals("sync", applied.getString("sluice.persistence.journal.replication.mode"));
    assertEquals(2, applied.getInt("sluice.persistence.journal.replication.min-in-sync"));
    assertEquals(3_000, applied.getDuration("sluice.persistence.journal.replication.timeout").toMillis());
  }

  @Test
  void followingTheOwnGroupIsRefused() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ReplicationConfig.apply(config("sluice.cluster.replication.follow = [g2, g1]"), "g1"));
    assertTrue(e.getMessage().contains("own broker group"), e.getMessage());
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
      Config applied = ReplicationConfig.apply(
          config("sluice.cluster.replication.mode = " + mode + "\nsluice.gateway.ask-timeout = 5 ms"), "g1");
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
