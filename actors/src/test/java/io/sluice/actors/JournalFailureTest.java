package io.sluice.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.consume.GroupQueue;
import io.sluice.actors.consume.RetryPolicy;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.queue.WriteFailures;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.apache.pekko.persistence.testkit.query.javadsl.PersistenceTestKitReadJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed journal write (what an open circuit breaker or a timed-out write does) must not kill
 * the queues (sharded entities) or a queue's consumer groups (the registries no longer use the
 * journal: they keep their state in Distributed Data):
 * they restart with backoff, recover, and answer again, with nothing of the failed write applied. Runs on Pekko's
 * PersistenceTestKit journal, which fails writes on demand.
 */
class JournalFailureTest {
  private static final Duration ANSWER = Duration.ofSeconds(30);

  @TempDir static Path dir;
  static ActorTestKit testKit;
  static PersistenceTestKit journal;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("JournalFailureTest",
        PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.getInstance().config())
            .withFallback(ActorsTestConfig.create(dir)));
    ActorsTestConfig.joinSelf(testKit.system());
    journal = PersistenceTestKit.create(testKit.system());
    Queue.init(testKit.system(), PersistenceTestKitReadJournal.Identifier());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void journalWorks() {
    journal.resetPolicy();
  }

  @Test
  void aQueueAnswersAFailedWriteAtOnceAndAppendsAgain() {
    EntityRef<Queue.Command> queue = ClusterSharding.get(testKit.system()).entityRefFor(Queue.ENTITY_KEY, "failing/0");
    assertEquals(0, append(queue, "m-0", Duration.ofSeconds(30)).firstOffset());

    journal.failNextPersisted();
    TestProbe<StatusReply<Queue.Appended>> lost = testKit.createTestProbe();
    queue.tell(new Queue.Append(List.of(message("m-1")), lost.getRef()));
    // answered when the queue restarts, not left to the caller's ask timeout, with the node's reason
    StatusReply<Queue.Appended> failed = lost.receiveMessage(Duration.ofSeconds(5));
    assertTrue(failed.isError());
    assertEquals(java.util.Optional.of(io.sluice.protocol.v1.Reason.SEND_OUTCOME_UNKNOWN),
        WriteFailures.reasonOf(failed.getError().getMessage()));

    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(ANSWER, Duration.ofMillis(200), () -> {
      // the failed write left no trace: not stored, not in the dedup window
      assertEquals(1, append(queue, "m-1", Duration.ofSeconds(2)).firstOffset());
      return null;
    });
  }

  @Test
  void aGroupAnswersAgainAfterAFailedAckWrite() {
    EntityRef<Queue.Command> queue = ClusterSharding.get(testKit.system()).entityRefFor(Queue.ENTITY_KEY, "acks/0");
    for (int i = 0; i < 3; i++) {
      append(queue, "a-" + i, ANSWER);
    }
    Map<Long, GroupQueue.Delivered> out = pullUntil(queue, new TreeMap<>(), 3);
    assertEquals(List.of(), ack(queue, out.get(0L)).refused());

    journal.failNextPersisted(GROUP_PID_PREFIX + "acks/0");
    TestProbe<GroupQueue.Acked> failed = testKit.createTestProbe();
    queue.tell(new Queue.ForGroup("g", new GroupQueue.Ack(List.of(receipt(out.get(1L))), failed.getRef())));
    TestProbe<GroupQueue.Pulled> pulled = testKit.createTestProbe();
    queue.tell(new Queue.ForGroup("g", new GroupQueue.Pull(10, 120_000, FilterExpression.getDefaultInstance(), pulled.getRef())));
    // the ack was not written: refused, not left unanswered; the pull sent meanwhile is answered
    assertEquals(List.of(0), failed.receiveMessage(ANSWER).refused());
    Map<Long, GroupQueue.Delivered> again = byOffset(pulled.receiveMessage(ANSWER));

    // the restarted group forgot its deliveries: both unacked messages come again, the acked one not
    pullUntil(queue, again, 2);
    assertEquals(List.of(1L, 2L), List.copyOf(again.keySet()));
    assertEquals(List.of(0), ack(queue, out.get(2L)).refused()); // a receipt of the old incarnation
    assertEquals(List.of(), ack(queue, again.get(1L)).refused());
    assertEquals(List.of(), ack(queue, again.get(2L)).refused());
    TestProbe<GroupQueue.Progress> progress = testKit.createTestProbe();
    queue.tell(new Queue.ForGroup("g", new GroupQueue.Describe(progress.getRef())));
    assertEquals(3, progress.receiveMessage(ANSWER).ackWatermark());
  }

  @Test
  void aGroupAnswersAfterAFailedRecovery() {
    EntityRef<Queue.Command> queue = ClusterSharding.get(testKit.system()).entityRefFor(Queue.ENTITY_KEY, "recovery/0");
    append(queue, "r-0", ANSWER);
    journal.failNextRead(GROUP_PID_PREFIX + "recovery/0");
    TestProbe<GroupQueue.Progress> progress = testKit.createTestProbe();
    queue.tell(new Queue.ForGroup("g", new GroupQueue.Describe(progress.getRef())));
    assertEquals(0, progress.receiveMessage(ANSWER).ackWatermark());
    assertEquals(List.of(0L), List.copyOf(pullUntil(queue, new TreeMap<>(), 1).keySet()));
  }

  @Test
  void aQueuesRestartKeepsItsGroupsDeliveries() {
    EntityRef<Queue.Command> queue = ClusterSharding.get(testKit.system()).entityRefFor(Queue.ENTITY_KEY, "parent/0");
    append(queue, "p-0", ANSWER);
    GroupQueue.Delivered delivered = pullUntil(queue, new TreeMap<>(), 1).get(0L);

    journal.failNextPersisted(Queue.persistenceIdOf("parent/0").id());
    TestProbe<StatusReply<Queue.Appended>> lost = testKit.createTestProbe();
    queue.tell(new Queue.Append(List.of(message("p-1")), lost.getRef()));
    assertTrue(lost.receiveMessage(Duration.ofSeconds(5)).isError());
    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(ANSWER, Duration.ofMillis(200), () -> {
      assertEquals(1, append(queue, "p-1", Duration.ofSeconds(2)).firstOffset());
      return null;
    });

    // the queue restarted; its group did not, and the delivery made before is still current
    assertEquals(List.of(), ack(queue, delivered).refused());
  }

  private static final String GROUP_PID_PREFIX = "group|g|";

  /** Pulls for group {@code g} until {@code got} holds {@code count} deliveries, by offset. */
  private static Map<Long, GroupQueue.Delivered> pullUntil(
      EntityRef<Queue.Command> queue, Map<Long, GroupQueue.Delivered> got, int count) {
    TestProbe<GroupQueue.Pulled> probe = testKit.createTestProbe();
    probe.awaitAssert(ANSWER, Duration.ofMillis(100), () -> {
      queue.tell(new Queue.ForGroup("g", new GroupQueue.Pull(10, 120_000, FilterExpression.getDefaultInstance(), probe.getRef())));
      got.putAll(byOffset(probe.receiveMessage(Duration.ofSeconds(5))));
      assertEquals(count, got.size(), got::toString);
      return null;
    });
    return got;
  }

  private static Map<Long, GroupQueue.Delivered> byOffset(GroupQueue.Pulled pulled) {
    Map<Long, GroupQueue.Delivered> byOffset = new TreeMap<>();
    pulled.deliveries().forEach(d -> byOffset.put(d.message().getOffset(), d));
    return byOffset;
  }

  private static GroupQueue.Receipt receipt(GroupQueue.Delivered delivery) {
    return new GroupQueue.Receipt(delivery.message().getOffset(), delivery.nonce());
  }

  private static GroupQueue.Acked ack(EntityRef<Queue.Command> queue, GroupQueue.Delivered delivery) {
    TestProbe<GroupQueue.Acked> probe = testKit.createTestProbe();
    queue.tell(new Queue.ForGroup("g", new GroupQueue.Ack(List.of(receipt(delivery)), probe.getRef())));
    return probe.receiveMessage(ANSWER);
  }

  private static Message message(String id) {
    return Message.newBuilder().setMessageId(id).setBody(ByteString.copyFromUtf8(id)).build();
  }

  private static Queue.Appended append(EntityRef<Queue.Command> queue, String id, Duration within) {
    TestProbe<StatusReply<Queue.Appended>> probe = testKit.createTestProbe();
    queue.tell(new Queue.Append(List.of(message(id)), probe.getRef()));
    StatusReply<Queue.Appended> reply = probe.receiveMessage(within);
    assertTrue(reply.isSuccess(), reply::toString);
    return reply.getValue();
  }
}
