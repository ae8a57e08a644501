package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.NotMasterException;
import io.sluice.persistence.store.StoreRole;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.internal.RecordCodec;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Roles: a replica refuses writes of its own and takes replicated ones; appendAllAt's end position. */
class StoreRoleTest {
  @TempDir Path dir;

  private StoreSettings settings(String name) {
    return StoreSettings.of(dir.resolve(name), "segment-size = 64 KiB\n");
  }

  @Test
  void aReplicaRefusesAppendsDeletionsAndEpochsButTakesReplicatedRecords() throws Exception {
    try (MessageStore master = MessageStore.open(settings("master"));
        MessageStore replica = MessageStore.open(settings("replica"))) {
      assertEquals(StoreRole.MASTER, replica.role());
      replica.append(List.of(FaultEvents.event("q", 1))).get();
      replica.setRole(StoreRole.REPLICA);
      assertEquals(StoreRole.REPLICA, replica.role());
      long end = replica.confirmedPosition();

      List<Supplier<CompletableFuture<?>>> writes = List.of(
          () -> replica.append(List.of(FaultEvents.event("q", 2))),
          () -> replica.appendAll(List.of(List.of(FaultEvents.event("q", 2)))),
          () -> replica.appendAllAt(List.of(List.of(FaultEvents.event("q", 2)))),
          () -> replica.deleteTo("q", 1),
          () -> replica.startEpoch(1));
      for (Supplier<CompletableFuture<?>> write : writes) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> write.get().get());
        assertInstanceOf(NotMasterException.class, e.getCause());
      }
      assertEquals(end, replica.confirmedPosition(), "nothing was written");
      assertEquals(1, replica.highestSequenceNr("q"));
      assertEquals(1, replica.lowestSequenceNr("q"), "no deletion");

      master.append(List.of(FaultEvents.event("q", 1))).get();
      master.append(List.of(FaultEvents.event("q", 2))).get();
      try (MessageStore fresh = MessageStore.open(settings("fresh"))) {
        fresh.setRole(StoreRole.REPLICA);
        RawCopy.copy(master, fresh, 4096);
        RawCopy.assertSameLog(master, fresh);
        assertEquals(2, fresh.highestSequenceNr("q"));
      }

      replica.setRole(StoreRole.MASTER);
      replica.append(List.of(FaultEvents.event("q", 2))).get();
      assertEquals(2, replica.highestSequenceNr("q"));
    }
  }

  @Test
  void appendAllAtYieldsTheLogEndAfterTheBatch() throws Exception {
    try (MessageStore store = MessageStore.open(settings("a"))) {
      MessageStore.AppendResult first = store.appendAllAt(List.of(
          List.of(FaultEvents.event("q", 1)),
          List.of(FaultEvents.event("q", 1)),
          List.of(FaultEvents.event("q", 2), FaultEvents.event("q", 3)))).get();
      assertEquals(Optional.empty(), first.results().get(0));
      assertTrue(first.results().get(1).isPresent(), "a duplicate sequence nr is rejected");
      assertEquals(Optional.empty(), first.results().get(2));
      assertEquals(store.confirmedPosition(), first.endPosition());
      assertEquals(store.read("q", 3, 3, 1).get(0).position() + RecordCodec.encodedSize(FaultEvents.event("q", 3)),
          first.endPosition());

      MessageStore.AppendResult second = store.appendAllAt(List.of(List.of(FaultEvents.event("q", 4)))).get();
      assertTrue(second.endPosition() > first.endPosition());
      assertEquals(store.confirmedPosition(), second.endPosition());
    }
  }
}
