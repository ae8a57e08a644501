package io.sluice.actors.transaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.queue.Queue;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.TransactionRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QueueTransactions on the real journal, feeding a sharded Queue: half messages stay out of the
 * queue until committed, a commit appends once, a rollback never; outcomes are final; checks go to
 * a live producer of the group, count, stop at the outcome, wait without one, and end in the
 * configured outcome; a restart keeps open transactions and does not append a commit twice.
 */
class QueueTransactionsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final TransactionSettings FAST_CHECKS = new TransactionSettings(
      Duration.ofMillis(200), Duration.ofMillis(200), 3, TransactionBook.Outcome.ROLLBACK);

  @TempDir static Path dir;
  static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("QueueTransactionsTest", ActorsTestConfig.create(dir));
    ActorsTestConfig.joinSelf(kit.system());
    Queue.init(kit.system(), ActorsTestConfig.READ_JOURNAL);
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  static Message half(String group, String transactionId, String messageId) {
    return Message.newBuilder().setMessageId(messageId)
        .setTransaction(TransactionRef.newBuilder().setTransactionId(transactionId).setProducerGroup(group))
        .setBody(ByteString.copyFromUtf8("body of " + messageId)).build();
  }

  static ActorRef<QueueTransactions.Command> log(String queueEntityId, TransactionSettings settings) {
    return kit.spawn(QueueTransactions.create(queueEntityId, ActorsTestConfig.READ_JOURNAL, settings));
  }

  static QueueTransactions.PrepareResult prepare(ActorRef<QueueTransactions.Command> log, Message... messages) {
    TestProbe<QueueTransactions.PrepareResult> probe = kit.createTestProbe();
    log.tell(new QueueTransactions.Prepare(List.of(messages), probe.getRef()));
    return probe.expectMessageClass(QueueTransactions.PrepareResult.class, WAIT);
  }

  static QueueTransactions.EndResult end(ActorRef<QueueTransactions.Command> log, String group, String id,
      QueueTransactions.Resolution resolution) {
    TestProbe<QueueTransactions.EndResult> probe = kit.createTestProbe();
    log.tell(new QueueTransactions.End(id, group, resolution, probe.getRef()));
    return probe.expectMessageClass(QueueTransactions.EndResult.class, WAIT);
  }

  static List<TransactionSummary> list(ActorRef<QueueTransactions.Command> log, String group, boolean resolved) {
    TestProbe<QueueTransactions.Listed> probe = kit.createTestProbe();
    log.tell(new QueueTransactions.ListTransactions(group, resolved, probe.getRef()));
    return probe.expectMessageClass(QueueTransactions.Listed.class, WAIT).transactions();
  }

  /** A live producer of {@code group}: a probe registered for its check-backs. */
  static TestProbe<CheckBack> producer(String group) {
    TestProbe<CheckBack> checks = kit.createTestProbe();
    TestProbe<Receptionist.Registered> registered = kit.createTestProbe();
    kit.system().receptionist().tell(Receptionist.register(CheckBack.keyFor(group), checks.getRef(), registered.getRef()));
    registered.expectMessageClass(Receptionist.Registered.class, WAIT);
    return checks;
  }

  static List<Message> stored(String queueEntityId) throws Exception {
    CurrentEventsByPersistenceIdQuery journal = PersistenceQuery.get(Adapter.toClassic(kit.system()))
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, ActorsTestConfig.READ_JOURNAL);
    return journal.currentEventsByPersistenceId(Queue.persistenceIdOf(queueEntityId).id(), 1, Long.MAX_VALUE)
        .map(e -> ((Queue.MessageStored) e.event()).message())
        .runWith(Sink.seq(), kit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The queue's message ids once it holds {@code count}. */
  static List<String> awaitStored(String queueEntityId, int count) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      List<Message> stored = stored(queueEntityId);
      if (stored.size() >= count) {
        return stored.stream().map(Message::getMessageId).collect(Collectors.toList());
      }
      assertTrue(System.nanoTime() < deadline, "queue " + queueEntityId + " holds " + stored.size() + " of " + count);
      TimeUnit.MILLISECONDS.sleep(20); // polling the journal, no timed assertion
    }
  }

  @Test
  void aCommitAppendsOnceARollbackNeverAndOutcomesAreFinal() throws Exception {
    String q = "outcomes/0";
    ActorRef<QueueTransactions.Command> log = log(q, FAST_CHECKS);
    assertNull(prepare(log, half("pg", "t1", "t1-a"), half("pg", "t1", "t1-b"), half("pg", "t2", "t2-a"))
        .resolvedTransactionId());
    prepare(log, half("pg", "t1", "t1-a")); // a producer's retry: stored once
    assertTrue(stored(q).isEmpty(), "half messages are in no queue");

    assertEquals(QueueTransactions.EndStatus.DONE, end(log, "pg", "t2", QueueTransactions.Resolution.ROLLBACK).status());
    assertEquals(QueueTransactions.EndStatus.DONE, end(log, "pg", "t1", QueueTransactions.Resolution.COMMIT).status());
    assertEquals(List.of("t1-a", "t1-b"), awaitStored(q, 2));

    assertEquals(QueueTransactions.EndStatus.DONE, end(log, "pg", "t1", QueueTransactions.Resolution.COMMIT).status());
    QueueTransactions.EndResult flipped = end(log, "pg", "t1", QueueTransactions.Resolution.ROLLBACK);
    assertEquals(QueueTransactions.EndStatus.RESOLVED_OTHERWISE, flipped.status());
    assertEquals(TransactionBook.Outcome.COMMIT, flipped.outcome());
    assertEquals(QueueTransactions.EndStatus.RESOLVED_OTHERWISE,
        end(log, "pg", "t2", QueueTransactions.Resolution.COMMIT).status());
    assertEquals(QueueTransactions.EndStatus.NOT_FOUND, end(log, "pg", "never", QueueTransactions.Resolution.COMMIT).status());
    prepare(log, half("pg", "t3", "t3-a"));
    assertEquals(QueueTransactions.EndStatus.NOT_FOUND, end(log, "other", "t3", QueueTransactions.Resolution.COMMIT).status());

    QueueTransactions.PrepareResult late = prepare(log, half("pg", "t2", "t2-late"));
    assertEquals("t2", late.resolvedTransactionId());
    assertEquals(TransactionBook.Outcome.ROLLBACK, late.outcome());

    end(log, "pg", "t3", QueueTransactions.Resolution.COMMIT);
    assertEquals(List.of("t1-a", "t1-b", "t3-a"), awaitStored(q, 3));
    assertTrue(list(log, "pg", false).isEmpty());
  }

  @Test
  void checksGoToALiveProducerCountAndStopAtTheOutcome() throws Exception {
    String q = "checked/0";
    TestProbe<CheckBack> producer = producer("checked-pg");
    ActorRef<QueueTransactions.Command> log = log(q, FAST_CHECKS);
    Message first = half("checked-pg", "t", "t-a");
    prepare(log, first, half("checked-pg", "t", "t-b"));

    CheckBack check = producer.expectMessageClass(CheckBack.class, WAIT);
    assertEquals("t", check.transactionId());
    assertEquals("checked", check.topic());
    assertEquals(0, check.queueId());
    assertEquals(1, check.checkCount());
    assertEquals("t-a", Message.parseFrom(check.message()).getMessageId());
    assertEquals(QueueTransactions.EndStatus.DONE, end(log, "checked-pg", "t", QueueTransactions.Resolution.UNKNOWN).status());
    assertEquals(2, producer.expectMessageClass(CheckBack.class, WAIT).checkCount());

    List<TransactionSummary> open = list(log, "checked-pg", false);
    assertEquals(1, open.size());
    assertEquals(List.of("t-a", "t-b"), open.get(0).messageIds());
    assertTrue(open.get(0).checks() >= 2);
    assertNull(open.get(0).outcome());

    end(log, "checked-pg", "t", QueueTransactions.Resolution.COMMIT);
    assertTrue(list(log, "checked-pg", false).isEmpty(), "a resolved transaction is no longer checked");
    assertEquals(List.of("t-a", "t-b"), awaitStored(q, 2));
  }

  @Test
  void withoutALiveProducerChecksWaitWithoutCounting() throws Exception {
    String q = "no-producer/0";
    ActorRef<QueueTransactions.Command> log = log(q, FAST_CHECKS);
    prepare(log, half("absent-pg", "waiting", "w-a"));
    TestProbe<CheckBack> witness = producer("witness-pg");
    prepare(log, half("witness-pg", "witnessed", "x-a"));
    // three checks of the witness prove that the waiting transaction was due for as many
    for (int n = 1; n <= 3; n++) {
      assertEquals(n, witness.expectMessageClass(CheckBack.class, WAIT).checkCount());
    }
    List<TransactionSummary> waiting = list(log, "absent-pg", false);
    assertEquals(1, waiting.size());
    assertEquals(0, waiting.get(0).checks());

    TestProbe<CheckBack> arrived = producer("absent-pg");
    CheckBack check = arrived.expectMessageClass(CheckBack.class, WAIT);
    assertEquals("waiting", check.transactionId());
    assertEquals(1, check.checkCount());
  }

  @Test
  void afterTheLastCheckTheConfiguredOutcomeIsAppliedAndListed() throws Exception {
    TestProbe<CheckBack> silent = producer("silent-pg");
    ActorRef<QueueTransactions.Command> rollsBack = log("max-rollback/0", FAST_CHECKS);
    ActorRef<QueueTransactions.Command> commits = log("max-commit/0", new TransactionSettings(
        Duration.ofMillis(200), Duration.ofMillis(200), 2, TransactionBook.Outcome.COMMIT));
    prepare(rollsBack, half("silent-pg", "r", "r-a"));
    prepare(commits, half("silent-pg", "c", "c-a"));

    assertEquals(List.of("c-a"), awaitStored("max-commit/0", 1));
    List<TransactionSummary> committed = awaitResolved(commits, "silent-pg");
    assertEquals(2, committed.get(0).checks());
    assertEquals(TransactionBook.Outcome.COMMIT, committed.get(0).outcome());

    List<TransactionSummary> rolledBack = awaitResolved(rollsBack, "silent-pg");
    assertEquals("r", rolledBack.get(0).transactionId());
    assertEquals(3, rolledBack.get(0).checks());
    assertEquals(TransactionBook.Outcome.ROLLBACK, rolledBack.get(0).outcome());
    assertTrue(rolledBack.get(0).resolvedAtMs() >= rolledBack.get(0).preparedAtMs() + 200 + 3 * 200);
    assertEquals(QueueTransactions.EndStatus.RESOLVED_OTHERWISE,
        end(rollsBack, "silent-pg", "r", QueueTransactions.Resolution.COMMIT).status());
    assertTrue(stored("max-rollback/0").isEmpty());
    long checksOfR = silent.receiveSeveralMessages(5, WAIT).stream()
        .filter(c -> c.transactionId().equals("r")).count();
    assertEquals(3, checksOfR);
  }

  static List<TransactionSummary> awaitResolved(ActorRef<QueueTransactions.Command> log, String group)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      List<TransactionSummary> resolved = list(log, group, true);
      if (!resolved.isEmpty()) {
        return resolved;
      }
      assertTrue(System.nanoTime() < deadline, "not resolved by the max-checks rule");
      TimeUnit.MILLISECONDS.sleep(20); // polling, no timed assertion
    }
  }

  @Test
  void aRestartKeepsOpenTransactionsAndCheckCounts() {
    String q = "restarted/0";
    TestProbe<CheckBack> producer = producer("restart-pg");
    ActorRef<QueueTransactions.Command> before = log(q, FAST_CHECKS);
    prepare(before, half("restart-pg", "kept", "k-a"));
    assertEquals(1, producer.expectMessageClass(CheckBack.class, WAIT).checkCount());
    kit.stop(before);

    ActorRef<QueueTransactions.Command> after = log(q, FAST_CHECKS);
    List<TransactionSummary> open = list(after, "restart-pg", false);
    assertEquals(List.of("k-a"), open.get(0).messageIds());
    assertTrue(open.get(0).checks() >= 1);
    assertTrue(producer.expectMessageClass(CheckBack.class, WAIT).checkCount() >= 2, "checks resume counting on");
  }

  @Test
  void aCommitTheQueueHoldsAlreadyIsNotAppendedAgainAfterARestart() throws Exception {
    String q = "crashed/0";
    ActorRef<QueueTransactions.Command> before = log(q, FAST_CHECKS);
    Message crashed = half("crash-pg", "crashed", "crashed-a");
    prepare(before, crashed);
    kit.stop(before);
    // what a crash between the append and the Delivered event leaves behind
    ClusterSharding.get(kit.system()).entityRefFor(Queue.ENTITY_KEY, q)
        .<Queue.Appended>askWithStatus(r -> new Queue.Append(List.of(crashed), r), WAIT)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    TestProbe<Object> persisted = kit.createTestProbe();
    kit.spawn(writer(q, new QueueTransactions.Resolved("crashed", TransactionBook.Outcome.COMMIT, false, 0),
        persisted.getRef())).tell("write");
    persisted.expectMessage(WAIT, "persisted");

    ActorRef<QueueTransactions.Command> after = log(q, FAST_CHECKS);
    prepare(after, half("crash-pg", "next", "next-a"));
    end(after, "crash-pg", "next", QueueTransactions.Resolution.COMMIT);
    assertEquals(List.of("crashed-a", "next-a"), awaitStored(q, 2));
    assertEquals(2, stored(q).size());
  }

  /** Writes {@code event} into the log of {@code queueEntityId} (the log itself is stopped). */
  static Behavior<String> writer(String queueEntityId, QueueTransactions.Event event, ActorRef<Object> done) {
    return new EventSourcedBehavior<String, QueueTransactions.Event, String>(
        QueueTransactions.persistenceIdOf(queueEntityId)) {
      @Override
      public String emptyState() {
        return "";
      }

      @Override
      public CommandHandler<String, QueueTransactions.Event, String> commandHandler() {
        return newCommandHandlerBuilder().forAnyState()
            .onAnyCommand(cmd -> Effect().persist(event).thenRun(s -> done.tell("persisted")));
      }

      @Override
      public EventHandler<String, QueueTransactions.Event> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent((state, e) -> state);
      }
    };
  }
}
