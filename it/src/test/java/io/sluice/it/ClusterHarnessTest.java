package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness itself: 3 nodes form one cluster without fixed ports; a killed node is removed by
 * SBR and the singleton moves; a restarted node rejoins the running ones (never a cluster of its
 * own) on its gRPC port; a stopped node leaves; a full restart forms the cluster again.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class ClusterHarnessTest {
  @TempDir Path tmp;
  ClusterHarness cluster;

  @AfterEach
  void cleanUp() throws Exception {
    Closer.closeAll(cluster);
  }

  @Test
  void formsKillsRestartsAndRestartsFully() {
    cluster = new ClusterHarness(tmp, 3);
    cluster.startAll();
    assertOneCluster(3);
    assertEquals(1, cluster.singletonNode(), "the first node started is the oldest");

    cluster.sigkill(1);
    cluster.awaitUp(2);
    int singleton = cluster.singletonNode();
    assertNotEquals(1, singleton, "the singleton moved off the killed node");

    int grpcPort = cluster.node(1).grpcPort();
    cluster.restart(1);
    cluster.awaitUp(3);
    assertOneCluster(3);
    assertEquals(grpcPort, cluster.node(1).grpcPort(), "a restarted node serves on its gRPC port");
    assertEquals(singleton, cluster.singletonNode(), "the rejoined node is the youngest: the singleton stays");

    int exit = cluster.sigterm(singleton);
    assertTrue(exit == 0 || exit == 143, "exit code after SIGTERM: " + exit);
    cluster.awaitUp(2);
    cluster.restart(singleton);
    cluster.awaitUp(3);

    for (int i : cluster.running()) {
      cluster.sigterm(i);
    }
    assertEquals(List.of(), cluster.running());
    cluster.startAll();
    assertOneCluster(3);
    assertTrue(tmp.resolve("n3").toFile().isDirectory(), "nodes keep their data directories");
  }

  /** Every running node lists the same members, which are exactly the running nodes. */
  void assertOneCluster(int size) {
    Set<String> expected = cluster.running().stream()
        .map(i -> "pekko://sluice@" + cluster.node(i).clusterAddress()).collect(Collectors.toSet());
    assertEquals(size, expected.size());
    for (int i : cluster.running()) {
      assertEquals(expected, Set.copyOf(cluster.members(i).up()), "members as n" + i + " sees them");
    }
  }
}
