package io.sluice.persistence.store;

import static io.sluice.persistence.store.Events.event;
import static io.sluice.persistence.store.Events.payloadOf;
import static io.sluice.persistence.store.Events.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MessageStoreTest {
  @TempDir Path dir;

  private MessageStore open(String overrides) throws Exception {
    return MessageStore.open(StoreSettings.of(dir, "segment-size = 64 KiB\n" + overrides));
  }

  @ParameterizedTest
  @EnumSource(FlushMode.class)
  void readsBackWhatWasAppendedInOrder(FlushMode mode) throws Exception {
    try (MessageStore store = open("flush-mode = " + mode.name().toLowerCase())) {
      store.append(range("a", 1, 3)).get();
      store.append(range("a", 4, 5)).get();
      List<StoredRecord> read = store.read("a", 1, Long.MAX_VALUE, Long.MAX_VALUE);
      assertEquals(List.of("a#1", "a#2", "a#3", "a#4", "a#5"), read.stream().map(Events::payloadOf).toList());
      assertEquals(5, store.highestSequenceNr("a"));
      assertEquals(List.of("a#2", "a#3"), store.read("a", 2, 3, 10).stream().map(Events::payloadOf).toList());
      assertEquals(1, store.read("a", 2, 5, 1).size());
    }
  }

  @Test
  void aNewStoreAndAReopenAfterACleanCloseStartedCleanAStoreNotClosedDidNot() throws Exception {
    try (MessageStore store = open("")) {
      assertTrue(store.lastStopClean(), "a new store has nothing to lose");
      store.append(range("a", 1, 3)).get();
    }
    try (MessageStore store = open("")) {
      assertTrue(store.lastStopClean());
    }
    // a killed node leaves no marker (CrashRecoveryTest kills one for real)
    Files.delete(dir.resolve("clean-stop"));
    try (MessageStore store = open("")) {
      assertFalse(store.lastStopClean());
    }
  }

  @Test
  void survivesReopenWithEverythingReadable() throws Exception {
    try (MessageStore store = open("")) {
      for (long s = 1; s <= 500; s++) {
        store.append(List.of(Events.sized("p", s, 1000))).get();
      }
    }
    try (MessageStore store = open("")) {
      assertEquals(500, store.highestSequenceNr("p"));
      List<StoredRecord> all = store.read("p", 1, 500, 1000);
      assertEquals(500, all.size());
      for (int i = 0; i < 500; i++) {
        assertEquals(i + 1, all.get(i).sequenceNr());
      }
      assertTrue(store.settings().segmentSizeBytes() * 5 < all.get(499).position(), "rolled over several segments");
    }
  }

  @Test
  void rejectsASequenceNumberAlreadyWrittenWithoutStoringAnything() throws Exception {
    try (MessageStore store = open("")) {
      store.append(range("a", 1, 2)).get();
      List<Optional<Exception>> results =
          store.appendAll(List.of(List.of(event("a", 3), event("a", 2)), List.of(event("a", 3)))).get();
      assertTrue(results.get(0).isPresent());
      assertTrue(results.get(1).isEmpty());
      assertEquals(3, store.highestSequenceNr("a"));
      assertEquals(List.of("a#1", "a#2", "a#3"), store.read("a", 1, 10, 10).stream().map(Events::payloadOf).toList());
    }
  }

  @Test
  void skipsHolesLeftByRejectedWrites() throws Exception {
    try (MessageStore store = open("")) {
      store.append(range("a", 1, 2)).get();
      store.append(List.of(event("a", 5))).get();
      assertEquals(List.of("a#1", "a#2", "a#5"), store.read("a", 1, 10, 10).stream().map(Events::payloadOf).toList());
    }
    try (MessageStore store = open("")) {
      assertEquals(5, store.highestSequenceNr("a"));
      assertEquals(List.of("a#1", "a#2", "a#5"), store.read("a", 1, 10, 10).stream().map(Events::payloadOf).toList());
    }
  }

  @Test
  void rejectsAnAtomicWriteLargerThanASegment() throws Exception {
    try (MessageStore store = open("")) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> store.append(List.of(Events.sized("a", 1, 70_000))).get());
      assertTrue(e.getCause().getMessage().contains("max-record-size"), e.getCause().getMessage());
      assertEquals(0, store.highestSequenceNr("a"));
    }
  }

  @Test
  void deletionKeepsTheHighestSequenceNumberAndSurvivesReopen() throws Exception {
    try (MessageStore store = open("")) {
      store.append(range("a", 1, 5)).get();
      store.deleteTo("a", 3).get();
      assertEquals(List.of("a#4", "a#5"), store.read("a", 1, 10, 10).stream().map(Events::payloadOf).toList());
      store.deleteTo("a", Long.MAX_VALUE).get();
      assertEquals(5, store.highestSequenceNr("a"));
      assertTrue(store.read("a", 1, 10, 10).isEmpty());
    }
    try (MessageStore store = open("")) {
      assertEquals(5, store.highestSequenceNr("a"));
      assertTrue(store.read("a", 1, 10, 10).isEmpty());
      store.append(List.of(event("a", 6))).get();
      assertEquals(List.of("a#6"), store.read("a", 1, 10, 10).stream().map(Events::payloadOf).toList());
    }
  }

  @Test
  void findsRecordsByKeyMessageIdAndTime() throws Exception {
    try (MessageStore store = open("")) {
      store.append(List.of(event("a", 1, "key:order-1", "id:m1", "tag:TagA"))).get();
      store.append(List.of(event("b", 1, "key:order-2", "id:m2"))).get();
      store.append(List.of(event("a", 2, "key:order-1", "id:m3"))).get();
      assertEquals(List.of("a#2", "a#1"),
          store.lookupByKey("order-1", 0, Long.MAX_VALUE, 10).stream().map(Events::payloadOf).toList());
      assertEquals(List.of("b#1"), store.lookupByMessageId("m2", 10).stream().map(Events::payloadOf).toList());
      assertTrue(store.lookupByMessageId("nope", 10).isEmpty());
      StoredRecord first = store.read("a", 1, 1, 1).get(0);
      assertEquals(3, store.lookupByTime(first.timestamp(), Long.MAX_VALUE, 10).size());
      assertTrue(store.lookupByTime(0, first.timestamp() - 1, 10).isEmpty());
    }
  }
}
