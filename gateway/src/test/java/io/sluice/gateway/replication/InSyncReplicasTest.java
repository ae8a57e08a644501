package io.sluice.gateway.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InSyncReplicasTest {
  private static final long MS = 1_000_000;
  private final InSyncReplicas replicas = new InSyncReplicas(5_000 * MS);

  /** Evaluates and applies the proposals, as the master does once the controller accepted them. */
  private List<InSyncReplicas.Change> decide(long end, long commit, long now) {
    List<InSyncReplicas.Change> changes = replicas.evaluate(end, commit, now);
    replicas.setInSync(replicas.proposed(changes));
    return changes;
  }

  @Test
  void aReplicaJoinsOnceItReachesTheCommitPosition() {
    replicas.fetched("r1", 500, 1_000, 0);
    assertEquals(List.of(), decide(1_000, 1_000, 0));
    replicas.served("r1", 1_000);
    replicas.fetched("r1", 1_000, 1_000, 10 * MS);
    List<InSyncReplicas.Change> changes = decide(1_000, 1_000, 10 * MS);
    assertEquals(List.of(new InSyncReplicas.Change("r1", true, 0, 0)), changes);
    assertEquals(Set.of("r1"), replicas.inSync());
  }

  @Test
  void aProposalChangesNothingUntilItIsApplied() {
    replicas.fetched("r1", 1_000, 1_000, 0);
    assertEquals(1, replicas.evaluate(1_000, 1_000, 0).size());
    assertEquals(Set.of(), replicas.inSync());
    assertEquals(1, replicas.evaluate(1_000, 1_000, 0).size(), "proposed again until decided");
  }

  @Test
  void aNewMastersInSyncReplicasGetTheMaxLagToFetch() {
    InSyncReplicas fresh = new InSyncReplicas(5_000 * MS, Set.of("r1"), 0);
    assertEquals(Set.of("r1"), fresh.inSync());
    assertEquals(List.of(), fresh.evaluate(1_000, 0, 4_000 * MS));
    assertFalse(fresh.evaluate(1_000, 0, 5_001 * MS).get(0).joined());
  }

  @Test
  void aReplicaThatStopsFetchingLeavesAfterTheMaxLag() {
    replicas.fetched("r1", 1_000, 1_000, 0);
    decide(1_000, 1_000, 0);
    assertTrue(replicas.inSync().contains("r1"));
    assertEquals(List.of(), decide(1_000, 1_000, 4_000 * MS));
    List<InSyncReplicas.Change> left = decide(1_000, 1_000, 5_001 * MS);
    assertEquals(1, left.size());
    assertFalse(left.get(0).joined());
    assertEquals(Set.of(), replicas.inSync());
  }

  @Test
  void aReplicaThatKeepsFetchingButNeverReachesTheEndLeaves() {
    replicas.fetched("r1", 1_000, 1_000, 0);
    decide(1_000, 1_000, 0);
    long end = 1_000;
    for (long t = 100; t <= 6_000; t += 100) {
      end += 10_000;
      replicas.served("r1", end);
      // each fetch acknowledges less than the end the master had when it answered the previous one
      replicas.fetched("r1", end - 20_000, end, t * MS);
      decide(end, end - 20_000, t * MS);
    }
    assertEquals(Set.of(), replicas.inSync());
  }

  @Test
  void aReplicaTrailingByOneChunkStaysInSync() {
    replicas.fetched("r1", 1_000, 1_000, 0);
    decide(1_000, 1_000, 0);
    long end = 1_000;
    for (long t = 100; t <= 6_000; t += 100) {
      replicas.served("r1", end);
      long acked = end;
      end += 10_000;
      // the ack reaches the end the master had when it answered the previous fetch
      replicas.fetched("r1", acked, end, t * MS);
      decide(end, acked, t * MS);
    }
    assertEquals(Set.of("r1"), replicas.inSync());
  }
}
