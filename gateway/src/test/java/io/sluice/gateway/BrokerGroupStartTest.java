package io.sluice.gateway;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gateway.cluster.BrokerGroupIdentity;
import io.sluice.persistence.store.DirectoryLock;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node whose configured broker group differs from the one its data directory holds does not start. */
class BrokerGroupStartTest {
  @TempDir Path dir;

  @Test
  void refusesToStartWithAnotherBrokerGroupThanItsData() throws Exception {
    Files.writeString(dir.resolve(BrokerGroupIdentity.FILE_NAME), "g1\n");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> TestNode.start(dir, "sluice.cluster.broker-group = g2"));
    assertTrue(e.getMessage().contains("broker group 'g1'"), e.getMessage());
    DirectoryLock.acquire(dir).close(); // the refused start released the data directory
  }
}
