package io.sluice.persistence.store;

import static io.sluice.persistence.store.Events.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's side of replication: waiting for the log end, the commit position following appends,
 * and lookups that see only committed records with {@code sync} replication (a replica is simulated
 * by reporting its confirmed position to the store's {@link CommitTracker}).
 */
class CommitGatingTest {
  @TempDir Path dir;

  private MessageStore open(String mode) throws Exception {
    return MessageStore.open(StoreSettings.of(dir, "segment-size = 64 KiB\nreplication.mode = " + mode));
  }

  @Test
  void awaitConfirmedCompletesOnceTheLogEndPassesThePosition() throws Exception {
    try (MessageStore store = open("none")) {
      store.append(List.of(event("a", 1))).get();
      long end = store.confirmedPosition();
      assertTrue(store.awaitConfirmed(end - 1).isDone(), "a record is there already");
      CompletableFuture<Void> next = store.awaitConfirmed(end);
      assertFalse(next.isDone());
      store.append(List.of(event("a", 2))).get();
      next.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void awaitConfirmedFailsWhenTheStoreCloses() throws Exception {
    CompletableFuture<Void> waiting;
    try (MessageStore store = open("none")) {
      waiting = store.awaitConfirmed(store.confirmedPosition());
    }
    assertTrue(waiting.isCompletedExceptionally());
  }

  @Test
  void theCommitPositionFollowsAppendsWithoutReplicas() throws Exception {
    try (MessageStore store = open("sync")) {
      CompletableFuture<Void> commit = store.commits().awaitCommit(1);
      store.append(List.of(event("a", 1))).get();
      commit.get(10, TimeUnit.SECONDS);
      assertEquals(store.confirmedPosition(), store.commits().commitPosition());
    }
  }

  @Test
  void syncLookupsSeeOnlyCommittedRecords() throws Exception {
    try (MessageStore store = open("sync")) {
      store.append(List.of(event("a", 1, "key:k", "id:m1"))).get();
      long committed = store.confirmedPosition();
      store.commits().setInSync(Set.of("r1"));
      store.commits().confirmed("r1", committed);
      store.append(List.of(event("a", 2, "key:k", "id:m2"))).get();

      assertEquals(List.of(1L), sequenceNrs(store.lookupByKey("k", 0, Long.MAX_VALUE, 10)));
      assertTrue(store.lookupByMessageId("m2", 10).isEmpty());
      assertEquals(List.of(1L), sequenceNrs(store.lookupByTime(0, Long.MAX_VALUE, 10)));
      assertEquals(committed, store.readLimit());
      assertEquals(1, store.visibleHighestSequenceNr("a"));
      assertEquals(2, store.highestSequenceNr("a"));
      assertEquals(2, store.readRetained("a", 1, 2, 10).size(), "replays read everything local");

      store.commits().confirmed("r1", store.confirmedPosition());
      assertEquals(List.of(2L, 1L), sequenceNrs(store.lookupByKey("k", 0, Long.MAX_VALUE, 10)));
      assertEquals(List.of(2L), sequenceNrs(store.lookupByMessageId("m2", 10)));
      assertEquals(List.of(1L, 2L), sequenceNrs(store.lookupByTime(0, Long.MAX_VALUE, 10)));
      assertEquals(2, store.visibleHighestSequenceNr("a"));
    }
  }

  @Test
  void asyncLookupsSeeEveryConfirmedRecordWhateverTheReplicasHave() throws Exception {
    try (MessageStore store = open("async")) {
      store.commits().setInSync(Set.of("r1"));
      store.append(List.of(event("a", 1, "key:k"))).get();
      assertEquals(List.of(1L), sequenceNrs(store.lookupByKey("k", 0, Long.MAX_VALUE, 10)));
      assertEquals(1, store.visibleHighestSequenceNr("a"));
      assertEquals(store.confirmedPosition(), store.readLimit());
    }
  }

  @Test
  void awaitVisibleWaitsForTheCommitOfTheNextEvent() throws Exception {
    try (MessageStore store = open("sync")) {
      store.commits().setInSync(Set.of("r1"));
      store.append(List.of(event("a", 1))).get();
      CompletableFuture<Void> visible = store.awaitVisible("a", 0);
      store.append(List.of(event("a", 2))).get();
      assertFalse(visible.isDone(), "an append alone does not make event 1 visible");
      store.commits().confirmed("r1", store.confirmedPosition());
      visible.get(10, TimeUnit.SECONDS);
      assertEquals(2, store.visibleHighestSequenceNr("a"));
    }
  }

  private static List<Long> sequenceNrs(List<StoredRecord> records) {
    return records.stream().map(StoredRecord::sequenceNr).toList();
  }
}
