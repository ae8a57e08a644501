package io.sluice.actors.delay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.queue.Queue;
import io.sluice.protocol.v1.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DelayTimer on the real journal, feeding a sharded Queue: fires in due order and not before,
 * a cancelled message is never appended, a restart re-schedules what is pending, and a message the
 * queue holds already (appended, the crash before {@code Delivered}) is not appended again.
 */
class DelayTimerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir static Path dir;
  static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("DelayTimerTest", ActorsTestConfig.create(dir));
    ActorsTestConfig.joinSelf(kit.system());
    Queue.init(kit.system(), ActorsTestConfig.READ_JOURNAL);
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  static Message message(String id, long deliverAtMs) {
    return Message.newBuilder().setMessageId(id).setDeliverAtMs(deliverAtMs)
        .setBody(ByteString.copyFromUtf8("body of " + id)).build();
  }

  static ActorRef<DelayTimer.Command> timer(String queueEntityId) {
    return kit.spawn(DelayTimer.create(queueEntityId, ActorsTestConfig.READ_JOURNAL));
  }

  static EntityRef<Queue.Command> queue(String queueEntityId) {
    return ClusterSharding.get(kit.system()).entityRefFor(Queue.ENTITY_KEY, queueEntityId);
  }

  static void schedule(ActorRef<DelayTimer.Command> timer, Message... messages) {
    TestProbe<StatusReply<Done>> probe = kit.createTestProbe();
    timer.tell(new DelayTimer.Schedule(List.of(messages), probe.getRef()));
    assertTrue(probe.expectMessageClass(StatusReply.class, WAIT).isSuccess());
  }

  static DelaySchedule.Status cancel(ActorRef<DelayTimer.Command> timer, String id) {
    TestProbe<DelayTimer.CancelResult> probe = kit.createTestProbe();
    timer.tell(new DelayTimer.Cancel(id, probe.getRef()));
    return probe.expectMessageClass(DelayTimer.CancelResult.class, WAIT).status();
  }

  /** The queue's messages once it holds {@code count}. */
  static List<Message> awaitStored(String queueEntityId, int count) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    CurrentEventsByPersistenceIdQuery journal = PersistenceQuery.get(Adapter.toClassic(kit.system()))
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, ActorsTestConfig.READ_JOURNAL);
    while (true) {
      List<Message> stored = journal
          .currentEventsByPersistenceId(Queue.persistenceIdOf(queueEntityId).id(), 1, Long.MAX_VALUE)
          .map(e -> ((Queue.MessageStored) e.event()).message())
          .runWith(Sink.seq(), kit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (stored.size() >= count) {
        return stored;
      }
      assertTrue(System.nanoTime() < deadline, "queue " + queueEntityId + " holds " + stored.size() + " of " + count);
      TimeUnit.MILLISECONDS.sleep(20); // polling the journal, no timed assertion
    }
  }

  static List<String> ids(List<Message> messages) {
    return messages.stream().map(Message::getMessageId).collect(Collectors.toList());
  }

  @Test
  void firesInDueOrderNeverEarlyAndNeverACancelledMessage() throws Exception {
    String q = "fire-order/0";
    ActorRef<DelayTimer.Command> timer = timer(q);
    long now = System.currentTimeMillis();
    schedule(timer, message("late", now + 900), message("first", now + 200), message("dropped", now + 500),
        message("second", now + 400));
    assertEquals(DelaySchedule.Status.PENDING, cancel(timer, "dropped"));
    assertEquals(DelaySchedule.Status.CANCELLED, cancel(timer, "dropped"));
    assertEquals(DelaySchedule.Status.UNKNOWN, cancel(timer, "never-sent"));
    schedule(timer, message("first", now + 200)); // a producer's retry: answered, stored once

    List<Message> stored = awaitStored(q, 3);
    assertEquals(List.of("first", "second", "late"), ids(stored));
    for (Message m : stored) {
      assertTrue(m.getStoreTimestampMs() >= m.getDeliverAtMs(), "stored before due: " + m);
    }
    assertEquals(DelaySchedule.Status.DELIVERED, cancel(timer, "first"));
  }

  @Test
  void aRestartedTimerFiresWhatWasPending() throws Exception {
    String q = "restarted/0";
    ActorRef<DelayTimer.Command> before = timer(q);
    schedule(before, message("kept", System.currentTimeMillis() + 300));
    kit.stop(before);

    ActorRef<DelayTimer.Command> after = timer(q);
    assertEquals(List.of("kept"), ids(awaitStored(q, 1)));
    assertEquals(DelaySchedule.Status.DELIVERED, cancel(after, "kept"));
  }

  @Test
  void aMessageTheQueueHoldsAlreadyIsNotAppendedAgainAfterARestart() throws Exception {
    String q = "crashed/0";
    ActorRef<DelayTimer.Command> before = timer(q);
    Message crashed = message("appended-before-crash", System.currentTimeMillis() + 60_000);
    schedule(before, crashed);
    kit.stop(before);
    // what a crash between the append and the Delivered event leaves behind
    queue(q).<Queue.Appended>askWithStatus(r -> new Queue.Append(List.of(crashed), r), WAIT)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);

    ActorRef<DelayTimer.Command> after = timer(q);
    // a cancel waits for the timer to have read its queue: it finds the message stored
    assertEquals(DelaySchedule.Status.DELIVERED, cancel(after, crashed.getMessageId()));
    schedule(after, message("next", System.currentTimeMillis()));
    assertEquals(List.of("appended-before-crash", "next"), ids(awaitStored(q, 2)));
  }
}
