package io.sluice.persistence.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The commit position over a master whose confirmed position the test moves by hand. */
class CommitTrackerTest {
  final AtomicLong master = new AtomicLong();
  final CommitTracker tracker =
      new CommitTracker(new ReplicationSettings(ReplicationMode.SYNC, 2, Duration.ofSeconds(8)), master::get);

  @Test
  void isTheMastersConfirmedPositionWithAnEmptyInSyncSet() {
    master.set(500);
    assertEquals(500, tracker.commitPosition());
    assertEquals(1, tracker.inSyncCount());
  }

  @Test
  void isTheLowestConfirmedPositionOfMasterAndInSyncReplicas() {
    master.set(1000);
    tracker.setInSync(Set.of("r1", "r2"));
    tracker.confirmed("r1", 700);
    tracker.confirmed("r2", 400);
    assertEquals(400, tracker.commitPosition());
    tracker.confirmed("r2", 900);
    assertEquals(700, tracker.commitPosition());
    tracker.confirmed("r1", 1000);
    tracker.confirmed("r2", 1000);
    master.set(1200);
    assertEquals(1000, tracker.commitPosition(), "the replicas hold it below the master's end");
    assertEquals(3, tracker.inSyncCount());
  }

  @Test
  void aDemotionFailsPendingAndLaterWriteWaitsAtOnceButNotReadsUntilTheNextMastership() throws Exception {
    master.set(1000);
    tracker.setInSync(Set.of("r1"));
    CompletableFuture<Void> write = tracker.awaitWriteCommit(1000);
    CompletableFuture<Void> read = tracker.awaitCommit(1000);
    assertFalse(write.isDone());

    tracker.demoted();
    ExecutionException pending = assertThrows(ExecutionException.class, () -> write.get(1, TimeUnit.SECONDS));
    assertInstanceOf(MasterDemotedException.class, pending.getCause());
    // an append that completes after the demotion does not wait either
    assertInstanceOf(MasterDemotedException.class,
        assertThrows(ExecutionException.class, () -> tracker.awaitWriteCommit(1100).get(1, TimeUnit.SECONDS))
            .getCause());
    assertFalse(read.isDone(), "a read keeps waiting for the commit position");

    tracker.restart(Set.of("r1"));
    CompletableFuture<Void> next = tracker.awaitWriteCommit(1000);
    tracker.confirmed("r1", 1000);
    next.get(1, TimeUnit.SECONDS);
    read.get(1, TimeUnit.SECONDS);
  }

  @Test
  void aNewMastershipForgetsEarlierConfirmationsAndCapsTheCommitAtATruncatedEnd() {
    master.set(1000);
    tracker.setInSync(Set.of("r1"));
    tracker.confirmed("r1", 1000);
    assertEquals(1000, tracker.commitPosition());
    // demoted, truncated to 800, promoted again
    master.set(800);
    tracker.restart(Set.of("r1"));
    assertEquals(800, tracker.commitPosition());
    master.set(900);
    assertEquals(800, tracker.commitPosition(), "r1's confirmation of the old log no longer counts");
    tracker.confirmed("r1", 900);
    assertEquals(900, tracker.commitPosition());
  }

  @Test
  void aReplicaThatHasNotConfirmedHoldsTheCommitWhereItWas() {
    master.set(300);
    assertEquals(300, tracker.commitPosition());
    tracker.setInSync(Set.of("r1"));
    master.set(600);
    assertEquals(300, tracker.commitPosition(), "never back to 0, not past what r1 has");
    tracker.confirmed("r1", 600);
    assertEquals(600, tracker.commitPosition());
  }

  @Test
  void neverGoesBackWhenABehindReplicaJoins() {
    master.set(800);
    tracker.setInSync(Set.of("r1"));
    tracker.confirmed("r1", 800);
    assertEquals(800, tracker.commitPosition());
    tracker.confirmed("r2", 100);
    tracker.setInSync(Set.of("r1", "r2"));
    assertEquals(800, tracker.commitPosition());
    tracker.confirmed("r2", 500);
    assertEquals(800, tracker.commitPosition());
  }

  @Test
  void removingALaggingReplicaRaisesTheCommitAndWakesWaiters() throws Exception {
    master.set(1000);
    tracker.setInSync(Set.of("fast", "slow"));
    tracker.confirmed("fast", 1000);
    tracker.confirmed("slow", 200);
    CompletableFuture<Void> commit = tracker.awaitCommit(1000);
    assertFalse(commit.isDone());
    tracker.setInSync(Set.of("fast"));
    commit.get(5, TimeUnit.SECONDS);
    assertEquals(1000, tracker.commitPosition());
  }

  @Test
  void confirmationsOfReplicasOutsideTheSetDoNotMoveTheCommitButAreKept() {
    master.set(1000);
    tracker.setInSync(Set.of("r1"));
    tracker.confirmed("r1", 100);
    tracker.confirmed("outside", 1000);
    assertEquals(100, tracker.commitPosition());
    assertEquals(1000, tracker.confirmedPositions().get("outside"));
  }

  @Test
  void awaitCommitCompletesOnceTheCommitReachesThePositionNotBefore() throws Exception {
    master.set(1000);
    tracker.setInSync(Set.of("r1"));
    tracker.confirmed("r1", 100);
    CompletableFuture<Void> at500 = tracker.awaitCommit(500);
    CompletableFuture<Void> at900 = tracker.awaitCommit(900);
    tracker.confirmed("r1", 499);
    assertFalse(at500.isDone());
    tracker.confirmed("r1", 500);
    at500.get(5, TimeUnit.SECONDS);
    assertFalse(at900.isDone());
    tracker.confirmed("r1", 1000);
    at900.get(5, TimeUnit.SECONDS);
    assertTrue(tracker.awaitCommit(1000).isDone(), "already committed");
  }

  @Test
  void awaitCommitFollowsTheMastersEndWhenItIsTheLowestCopy() throws Exception {
    master.set(100);
    CompletableFuture<Void> commit = tracker.awaitCommit(300);
    master.set(300);
    assertFalse(commit.isDone(), "the store's writer tells the tracker");
    tracker.logEndMoved();
    commit.get(5, TimeUnit.SECONDS);
  }

  @Test
  void aTimedOutWaitLeavesTheWaiters() {
    master.set(100);
    CompletableFuture<Void> commit = tracker.awaitCommit(300).orTimeout(1, TimeUnit.MILLISECONDS);
    assertThrows(ExecutionException.class, commit::get);
    master.set(300);
    tracker.logEndMoved();
    assertTrue(commit.isCompletedExceptionally());
  }

  @Test
  void closingFailsWaitersNowAndLater() {
    CompletableFuture<Void> waiting = tracker.awaitCommit(10);
    IllegalStateException closed = new IllegalStateException("store is closed");
    tracker.failAll(closed);
    assertInstanceOf(IllegalStateException.class, assertThrows(ExecutionException.class, waiting::get).getCause());
    assertTrue(tracker.awaitCommit(20).isCompletedExceptionally());
  }

  @Test
  void refusesSyncWritesBelowMinInSync() {
    NotEnoughReplicasException refusal = tracker.writeRefusal().orElseThrow();
    assertEquals(1, refusal.inSyncCount());
    assertEquals(2, refusal.minInSync());
    assertTrue(refusal.getMessage().contains("1") && refusal.getMessage().contains("min-in-sync is 2"));
    tracker.setInSync(Set.of("r1"));
    assertTrue(tracker.writeRefusal().isEmpty());
  }

  @Test
  void neverRefusesOutsideSyncMode() {
    CommitTracker async =
        new CommitTracker(new ReplicationSettings(ReplicationMode.ASYNC, 3, Duration.ofSeconds(8)), master::get);
    assertTrue(async.writeRefusal().isEmpty());
  }
}
