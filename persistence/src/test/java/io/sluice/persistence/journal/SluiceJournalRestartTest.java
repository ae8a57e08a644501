package io.sluice.persistence.journal;

import static io.sluice.persistence.journal.JournalWrites.atomic;
import static io.sluice.persistence.journal.JournalWrites.repr;
import static io.sluice.persistence.journal.JournalWrites.writeMessages;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.StoredRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.journal.Tagged;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.concurrent.duration.FiniteDuration;

/**
 * Events written through the journal survive stopping the ActorSystem (which closes the store) and
 * starting a new one on the same directory. Each test owns a directory under the class's temporary
 * directory and starts its own systems, one after the other.
 */
class SluiceJournalRestartTest {
  private static final FiniteDuration SHUTDOWN_TIMEOUT =
      FiniteDuration.create(30, TimeUnit.SECONDS);

  @TempDir static Path root;
  static final AtomicInteger testCount = new AtomicInteger();

  Path dir;
  String pid;

  @BeforeEach
  void newDirectory() {
    int n = testCount.incrementAndGet();
    dir = root.resolve("test-" + n);
    pid = "r-" + n;
  }

  @Test
  void replaysEventsWrittenBeforeARestart() throws Exception {
    withSystem(system -> JournalWrites.write(system, pid, 1, 5));

    withSystem(
        system -> {
          assertEquals(List.of("e-1", "e-2", "e-3", "e-4", "e-5"), replay(system, pid, 5));
          // the reopened log accepts the next sequence nr and keeps the earlier ones
          JournalWrites.write(system, pid, 6, 6);
          assertEquals(List.of("e-1", "e-2", "e-3", "e-4", "e-5", "e-6"), replay(system, pid, 6));
        });
  }

  @Test
  void keepsDeletionsAndTheHighestSequenceNrAcrossARestart() throws Exception {
    withSystem(
        system -> {
          JournalWrites.write(system, pid, 1, 5);
          JournalWrites.deleteTo(system, pid, 3);
        });

    withSystem(system -> assertEquals(List.of("e-4", "e-5"), replay(system, pid, 5)));
  }

  @Test
  void replaysEventsWithKeyTagsWrittenBeforeARestart() throws Exception {
    withSystem(
        system -> {
          TestKit probe = new TestKit(system);
          List<AtomicWrite> writes = new ArrayList<>();
          for (long s = 1; s <= 3; s++) {
            Tagged tagged = new Tagged("e-" + s, Set.of("key:" + pid + "-" + s));
            writes.add(atomic(repr(tagged, s, pid, ActorRef.noSender(), "writer-" + pid)));
          }
          JournalWrites.journal(system)
              .tell(writeMessages(writes, probe.getRef()), ActorRef.noSender());
          probe.expectMsg(JournalProtocol.WriteMessagesSuccessful$.MODULE$);
          probe.receiveN(3);
        });

    withSystem(
        system -> {
          assertEquals(List.of("e-1", "e-2", "e-3"), replay(system, pid, 3));
          MessageStore store = SluiceStores.get(system).storeFor(JournalTestConfig.JOURNAL_ID);
          assertEquals(3, store.lookupByKey(pid + "-3", 0, Long.MAX_VALUE, 10).get(0).sequenceNr());
        });
  }

  @Test
  void eventSourcedActorWithFilterTagsRecoversItsStateAfterARestart() throws Exception {
    persistThreeAdds(false);

    ActorTestKit kit = ActorTestKit.create("CounterAfter", JournalTestConfig.create(dir));
    try {
      var counter = kit.spawn(Counter.create(pid, false));
      assertEquals(new Counter.State(42, List.of("k1", "k2", "k3")), get(kit, counter));
      TestProbe<Long> totals = kit.createTestProbe();
      counter.tell(new Counter.Add("k4", 8, totals.ref()));
      totals.expectMessage(50L);

      MessageStore store =
          SluiceStores.get(Adapter.toClassic(kit.system())).storeFor(JournalTestConfig.JOURNAL_ID);
      assertEquals(4, store.highestSequenceNr(pid));
      for (StoredRecord r : store.read(pid, 1, 4, 10)) {
        assertEquals(List.of(Counter.FILTER_TAG), r.tags());
      }
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void eventSourcedActorWithIndexedTagsRecoversItsStateAndIndexAfterARestart() throws Exception {
    persistThreeAdds(true);

    ActorTestKit kit = ActorTestKit.create("CounterAfter", JournalTestConfig.create(dir));
    try {
      var counter = kit.spawn(Counter.create(pid, true));
      assertEquals(new Counter.State(42, List.of("k1", "k2", "k3")), get(kit, counter));
      TestProbe<Long> totals = kit.createTestProbe();
      counter.tell(new Counter.Add("k4", 8, totals.ref()));
      totals.expectMessage(50L);

      MessageStore store =
          SluiceStores.get(Adapter.toClassic(kit.system())).storeFor(JournalTestConfig.JOURNAL_ID);
      assertEquals(4, store.highestSequenceNr(pid));
      List<StoredRecord> byKey = store.lookupByKey("k2", 0, Long.MAX_VALUE, 10);
      assertEquals(1, byKey.size());
      assertEquals(2, byKey.get(0).sequenceNr());
      assertEquals(
          Set.of(Counter.FILTER_TAG, "key:k2", "id:" + pid + "/k2"),
          Set.copyOf(byKey.get(0).tags()));
      assertEquals(1, store.lookupByMessageId(pid + "/k4", 10).size());
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void storeClosesCleanlyWhileItsFlusherIsForcing() throws Exception {
    // the store the journal opens at startup and closes when its ActorSystem terminates; tiny
    // intervals make close() meet a running flush or checkpoint
    var journalConfig =
        ConfigFactory.parseString("flush-interval = 1 ms, checkpoint-interval = 1 ms")
            .withFallback(JournalTestConfig.create(dir).getConfig(JournalTestConfig.JOURNAL_ID));
    for (int round = 1; round <= 20; round++) {
      Path roundDir = dir.resolve("round-" + round);
      var settings =
          StoreSettings.fromConfig(
              journalConfig.withValue("dir", ConfigValueFactory.fromAnyRef(roundDir.toString())));
      MessageStore store = MessageStore.open(settings);
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      for (long s = 1; s <= 500; s++) {
        writes.add(
            store.append(
                List.of(new EventRecord(pid, s, "w", List.of(), 4, "", "", new byte[1000]))));
      }
      for (CompletableFuture<Void> w : writes) {
        w.get(30, TimeUnit.SECONDS);
      }
      int r = round;
      assertDoesNotThrow(store::close, () -> "close of round " + r);
    }
  }

  /** Persists adds of 5, 7 and 30 (keys k1..k3) with a first system, then stops it. */
  private void persistThreeAdds(boolean indexTags) {
    ActorTestKit kit = ActorTestKit.create("CounterBefore", JournalTestConfig.create(dir));
    try {
      var counter = kit.spawn(Counter.create(pid, indexTags));
      TestProbe<Long> totals = kit.createTestProbe();
      counter.tell(new Counter.Add("k1", 5, totals.ref()));
      totals.expectMessage(5L);
      counter.tell(new Counter.Add("k2", 7, totals.ref()));
      totals.expectMessage(12L);
      counter.tell(new Counter.Add("k3", 30, totals.ref()));
      totals.expectMessage(42L);
    } finally {
      kit.shutdownTestKit();
    }
  }

  private static Counter.State get(
      ActorTestKit kit, org.apache.pekko.actor.typed.ActorRef<Counter.Command> counter) {
    TestProbe<Counter.State> states = kit.createTestProbe();
    counter.tell(new Counter.Get(states.ref()));
    return states.receiveMessage();
  }

  /**
   * Runs {@code test} on a new classic system over {@link #dir}, then stops it (closing the store).
   */
  private void withSystem(SystemTest test) throws Exception {
    ActorSystem system =
        ActorSystem.create("SluiceJournalRestartTest", JournalTestConfig.create(dir));
    try {
      test.run(system);
    } finally {
      TestKit.shutdownActorSystem(system, SHUTDOWN_TIMEOUT, true);
    }
  }

  @FunctionalInterface
  private interface SystemTest {
    void run(ActorSystem system) throws Exception;
  }

  private static List<Object> replay(ActorSystem system, String persistenceId, long highest) {
    return JournalWrites.replayPayloads(
        system, persistenceId, 1, Long.MAX_VALUE, Long.MAX_VALUE, highest);
  }
}
