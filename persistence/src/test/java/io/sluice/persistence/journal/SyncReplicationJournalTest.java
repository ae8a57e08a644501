package io.sluice.persistence.journal;

import static io.sluice.persistence.journal.JournalWrites.atomic;
import static io.sluice.persistence.journal.JournalWrites.repr;
import static io.sluice.persistence.journal.JournalWrites.writeMessages;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.sluice.persistence.store.CommitTracker;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.NotEnoughReplicasException;
import io.sluice.persistence.store.ReplicationTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.typed.JournalPersistFailed;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal with {@code sync} replication ({@code min-in-sync = 2}, {@code timeout = 3 s}): a
 * replica is simulated by reporting to the store's {@link CommitTracker}. Each test starts with
 * replica {@code r1} in sync and caught up.
 */
class SyncReplicationJournalTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir static Path dir;
  static ActorSystem system;
  static ActorRef journal;
  static MessageStore store;
  static final AtomicInteger testCount = new AtomicInteger();

  String pid;
  TestKit probe;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("SyncReplicationJournalTest",
        ConfigFactory.parseString(
                "sluice.persistence.journal.replication { mode = sync, min-in-sync = 2, timeout = 3 s }")
            .withFallback(JournalTestConfig.create(dir)));
    journal = JournalWrites.journal(system);
    store = SluiceStores.get(system).storeFor(JournalTestConfig.JOURNAL_ID);
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void replicaInSync() {
    pid = "sync-" + testCount.incrementAndGet();
    probe = new TestKit(system);
    store.commits().setInSync(Set.of("r1"));
    store.commits().confirmed("r1", store.confirmedPosition());
  }

  @Test
  void aWriteIsAcknowledgedOnlyOnceTheReplicaConfirmsIt() throws Exception {
    write(1);
    store.awaitAppend(pid, 0).get(20, TimeUnit.SECONDS);
    probe.expectNoMessage(Duration.ofMillis(300));

    store.commits().confirmed("r1", store.confirmedPosition());
    probe.expectMsg(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    assertEquals(1, probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageSuccess.class).persistent().sequenceNr());
  }

  @Test
  void aWriteNoReplicaConfirmsFailsWithReplicationTimeoutButStaysStoredForReplay() {
    write(1);
    probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessagesFailed.class);
    var failure = probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageFailure.class);
    var timeout = assertInstanceOf(ReplicationTimeoutException.class, failure.cause());
    assertTrue(timeout.getMessage().startsWith("outcome unknown: stored on the master, may still commit"),
        timeout.getMessage());

    assertEquals(1, store.highestSequenceNr(pid));
    assertEquals(List.of("e-1"), JournalWrites.replayPayloads(system, pid, 1, Long.MAX_VALUE, Long.MAX_VALUE, 1));
  }

  @Test
  void aWriteBelowMinInSyncIsRefusedWithNothingStored() {
    store.commits().setInSync(Set.of());
    write(1);
    probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessagesFailed.class);
    var failure = probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageFailure.class);
    var refusal = assertInstanceOf(NotEnoughReplicasException.class, failure.cause());
    assertEquals(1, refusal.inSyncCount());
    assertEquals(2, refusal.minInSync());
    assertEquals(0, store.highestSequenceNr(pid));
  }

  @Test
  void aWriteThatCommitsAfterTheSetFellBelowMinInSyncIsNotAcknowledged() throws Exception {
    write(1);
    store.awaitAppend(pid, 0).get(20, TimeUnit.SECONDS);
    // r1 leaves the set behind: the commit position passes the write with only the master's copy
    store.commits().setInSync(Set.of());
    probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessagesFailed.class);
    var failure = probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageFailure.class);
    assertInstanceOf(ReplicationTimeoutException.class, failure.cause());
  }

  @Test
  void anEntityGetsTheExceptionItselfAsTheFailureOfJournalPersistFailed() {
    var typed = Adapter.toTyped(system);
    TestProbe<Throwable> failures = TestProbe.create(typed);

    store.commits().setInSync(Set.of());
    Adapter.spawn(system, Writer.create(pid + "-a", failures.ref()), pid + "-a").tell("x");
    assertInstanceOf(NotEnoughReplicasException.class, failures.receiveMessage(TIMEOUT));

    store.commits().setInSync(Set.of("r1"));
    Adapter.spawn(system, Writer.create(pid + "-b", failures.ref()), pid + "-b").tell("x");
    assertInstanceOf(ReplicationTimeoutException.class, failures.receiveMessage(TIMEOUT));
  }

  private void write(long sequenceNr) {
    journal.tell(
        writeMessages(List.of(atomic(repr("e-" + sequenceNr, sequenceNr, pid, ActorRef.noSender(), "w"))),
            probe.getRef()),
        ActorRef.noSender());
  }

  /** Persists one {@link Counter.Added} per command; reports journal failures to {@code failures}. */
  static final class Writer extends EventSourcedBehavior<String, Counter.Event, Long> {
    private final org.apache.pekko.actor.typed.ActorRef<Throwable> failures;

    static Behavior<String> create(String persistenceId, org.apache.pekko.actor.typed.ActorRef<Throwable> failures) {
      return new Writer(persistenceId, failures);
    }

    private Writer(String persistenceId, org.apache.pekko.actor.typed.ActorRef<Throwable> failures) {
      super(PersistenceId.ofUniqueId(persistenceId));
      this.failures = failures;
    }

    @Override
    public Long emptyState() {
      return 0L;
    }

    @Override
    public CommandHandler<String, Counter.Event, Long> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onAnyCommand(key -> Effect().persist(new Counter.Added(key, 1)));
    }

    @Override
    public EventHandler<Long, Counter.Event> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> state + 1);
    }

    @Override
    public SignalHandler<Long> signalHandler() {
      return newSignalHandlerBuilder()
          .onSignal(JournalPersistFailed.class, (state, signal) -> failures.tell(signal.getFailure()))
          .build();
    }
  }
}
