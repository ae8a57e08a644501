package io.sluice.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerGroupIdentityTest {
  @TempDir Path dir;

  @Test
  void generatesANameOnTheFirstStartAndReusesItOnEveryStart() throws Exception {
    String first = BrokerGroupIdentity.resolve("", dir);
    assertTrue(first.matches("broker-[0-9a-f]{8}"), first);
    assertEquals(first, Files.readString(dir.resolve(BrokerGroupIdentity.FILE_NAME)).trim());
    assertEquals(first, BrokerGroupIdentity.resolve("", dir));
    assertEquals(first, BrokerGroupIdentity.resolve(first, dir), "configuring the stored name is fine");
  }

  @Test
  void storesAConfiguredNameOnTheFirstStart() throws Exception {
    assertEquals("g1", BrokerGroupIdentity.resolve("g1", dir));
    assertEquals("g1", BrokerGroupIdentity.resolve("", dir));
  }

  @Test
  void refusesAConfiguredNameThatDiffersFromTheStoredOne() throws Exception {
    BrokerGroupIdentity.resolve("g1", dir);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> BrokerGroupIdentity.resolve("g2", dir));
    assertTrue(e.getMessage().contains("'g2'") && e.getMessage().contains("'g1'"), e.getMessage());
    assertEquals("g1", BrokerGroupIdentity.resolve("", dir), "the stored name is kept");
  }

  @Test
  void refusesANameAgainstTheTopicNameRules() {
    assertThrows(IllegalArgumentException.class, () -> BrokerGroupIdentity.resolve("a:b", dir));
    assertThrows(IllegalArgumentException.class, () -> BrokerGroupIdentity.resolve("x".repeat(128), dir));
  }
}
