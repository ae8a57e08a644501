package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.EpochHistory;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** resetTo: the store becomes empty and continues at a later segment boundary, also after a reopen. */
class ResetToTest {
  private static final long SEGMENT = 64 * 1024;

  @TempDir Path dir;

  private StoreSettings settings() {
    return StoreSettings.of(dir, "segment-size = 64 KiB\ncheckpoint-interval = 1 h\n");
  }

  @Test
  void theStoreIsEmptyAndContinuesAtThePositionAcrossReopens() throws Exception {
    long at = 5 * SEGMENT;
    try (MessageStore store = MessageStore.open(settings())) {
      store.startEpoch(1).get();
      for (long s = 1; s <= 500; s++) {
        store.append(List.of(FaultEvents.sized("q", s, 200, "key:k" + s))).get();
      }
      assertTrue(store.confirmedPosition() > SEGMENT, "several segments");

      store.resetTo(at).get();
      assertEmptyAt(store, at);
    }
    try (MessageStore store = MessageStore.open(settings())) {
      assertEmptyAt(store, at);
      store.append(List.of(FaultEvents.event("q", 1))).get();
      assertEquals(at, store.read("q", 1, 1, 1).get(0).position());
    }
    try (MessageStore store = MessageStore.open(settings())) {
      assertEquals(at, store.minPosition());
      assertEquals(FaultEvents.names("q", 1, 1), FaultEvents.payloads(store.read("q", 1, 9, 9)));
      assertEquals(0, store.recovery().discardedBytes());
    }
  }

  private static void assertEmptyAt(MessageStore store, long at) throws Exception {
    assertEquals(at, store.minPosition());
    assertEquals(at, store.confirmedPosition());
    assertEquals(Set.of(), store.persistenceIds());
    assertEquals(0, store.highestSequenceNr("q"));
    assertEquals(List.of(), store.read("q", 1, Long.MAX_VALUE, 99));
    assertEquals(List.of(), store.lookupByKey("k1", 0, Long.MAX_VALUE, 9));
    assertEquals(EpochHistory.EMPTY, store.epochs());
    assertEquals(0, store.readRaw(at, 4096).bytes().remaining());
  }

  @Test
  void aResetReplicaKnowsTheEpochInForceWhereItStartsAcrossReopens() throws Exception {
    long at = 2 * SEGMENT;
    try (MessageStore store = MessageStore.open(settings())) {
      store.startEpoch(1).get();
      store.resetTo(at, 4).get();
      assertEquals(List.of(new Epoch(4, at)), store.epochs().epochs());
    }
    try (MessageStore store = MessageStore.open(settings())) {
      assertEquals(List.of(new Epoch(4, at)), store.epochs().epochs());
      assertEquals(at, store.confirmedPosition());
    }
  }

  @Test
  void aPositionThatIsNoSegmentBoundaryIsRefused() throws Exception {
    try (MessageStore store = MessageStore.open(settings())) {
      store.append(List.of(FaultEvents.event("q", 1))).get();
      long end = store.confirmedPosition();
      ExecutionException e = assertThrows(ExecutionException.class, () -> store.resetTo(SEGMENT + 1).get());
      assertInstanceOf(IllegalArgumentException.class, e.getCause());
      assertEquals(end, store.confirmedPosition());
      assertEquals(1, store.read("q", 1, 1, 1).size());
    }
  }
}
