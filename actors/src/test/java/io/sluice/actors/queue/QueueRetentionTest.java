package io.sluice.actors.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.consume.GroupQueue;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queues and groups after the storage's retention deleted the oldest CommitLog segments (small
 * segments and a 1 ms retention time here; 72 h in production). The storage's README: "Entities
 * whose logs outlive retention must snapshot", and a read below the retained range fails with
 * SequenceOutOfRangeException.
 */
class QueueRetentionTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int BATCHES = 15;
  private static final int BATCH_SIZE = 20;
  private static final int MESSAGES = BATCHES * BATCH_SIZE;

  @TempDir static Path dir;
  static ActorTestKit testKit;
  static MessageStore store;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("QueueRetentionTest", ConfigFactory.parseString("""
        sluice.persistence.journal {
          segment-size = 64 KiB
          retention.time = 1 ms
          # retention runs when the test says so
          retention.check-interval = 1 h
        }
        """).withFallback(ActorsTestConfig.create(dir)));
    store = SluiceStores.get(Adapter.toClassic(testKit.system())).storeFor(ActorsTestConfig.JOURNAL);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** Fills several segments with {@code entityId}'s messages, then lets retention delete the oldest. */
  static long fillAndExpire(ActorRef<Queue.Command> queue, String entityId) {
    ByteString body = ByteString.copyFrom(new byte[1024]);
    TestProbe<StatusReply<Queue.Appended>> probe = testKit.createTestProbe();
    for (int b = 0; b < BATCHES; b++) {
      List<Message> batch = new ArrayList<>();
      for (int i = 0; i < BATCH_SIZE; i++) {
        batch.add(Message.newBuilder().setMessageId(b + "-" + i).setBody(body).build());
      }
      queue.tell(new Queue.Append(batch, probe.getRef()));
      assertEquals((long) b * BATCH_SIZE, probe.receiveMessage(WAIT).getValue().firstOffset());
    }
    String pid = Queue.persistenceIdOf(entityId).id();
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      try {
        store.runRetention();
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
      assertTrue(store.lowestSequenceNr(pid) > 1, "retention deleted the oldest segments");
      return null;
    });
    long lowest = store.lowestSequenceNr(pid);
    assertTrue(lowest <= MESSAGES, "the active segment keeps the newest messages");
    return lowest;
  }

  static long endOffset(ActorRef<Queue.Command> queue) {
    TestProbe<Queue.EndOffset> probe = testKit.createTestProbe();
    queue.tell(new Queue.GetEndOffset(probe.getRef()));
    return probe.receiveMessage(WAIT).offset();
  }

  @Test
  void aQueueRecoversAfterRetentionRemovedItsOldestEvents() {
    String entityId = "retained/0";
    ActorRef<Queue.Command> queue = testKit.spawn(Queue.create(entityId, ActorsTestConfig.READ_JOURNAL));
    fillAndExpire(queue, entityId);
    assertEquals(MESSAGES, endOffset(queue));

    // passivation, a rebalance or a node restart starts the entity again
    testKit.stop(queue);
    ActorRef<Queue.Command> again = testKit.spawn(Queue.create(entityId, ActorsTestConfig.READ_JOURNAL));
    assertEquals(MESSAGES, endOffset(again));
    TestProbe<StatusReply<Queue.Appended>> probe = testKit.createTestProbe();
    again.tell(new Queue.Append(List.of(Message.newBuilder().setMessageId("after").build()), probe.getRef()));
    assertEquals(MESSAGES, probe.receiveMessage(WAIT).getValue().firstOffset());
  }

  @Test
  void aGroupBehindRetentionContinuesFromTheOldestRetainedMessage() {
    String entityId = "behind/0";
    ActorRef<Queue.Command> queue = testKit.spawn(Queue.create(entityId, ActorsTestConfig.READ_JOURNAL));
    long lowest = fillAndExpire(queue, entityId);

    // and messages written after retention ran
    TestProbe<StatusReply<Queue.Appended>> appended = testKit.createTestProbe();
    List<Message> fresh = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      fresh.add(Message.newBuilder().setMessageId("fresh-" + i).build());
    }
    queue.tell(new Queue.Append(fresh, appended.getRef()));
    assertEquals(MESSAGES, appended.receiveMessage(WAIT).getValue().firstOffset());

    ActorRef<GroupQueue.Command> group =
        testKit.spawn(GroupQueue.create("late", entityId, ActorsTestConfig.READ_JOURNAL));
    List<GroupQueue.Delivered> got = new ArrayList<>();
    long last = MESSAGES + fresh.size() - 1;
    testKit.createTestProbe().awaitAssert(WAIT, Duration.ofMillis(100), () -> {
      TestProbe<GroupQueue.Pulled> probe = testKit.createTestProbe();
      group.tell(new GroupQueue.Pull(1_000, 60_000, FilterExpression.getDefaultInstance(), probe.getRef()));
      got.addAll(probe.receiveMessage(WAIT).deliveries());
      assertTrue(!got.isEmpty() && got.get(got.size() - 1).message().getOffset() == last,
          "every retained message up to offset " + last + ", got " + got.size());
      return null;
    });
    assertEquals(last - (lowest - 1) + 1, got.size(), "every retained message once");
    assertEquals(lowest - 1, got.get(0).message().getOffset(), "starts at the oldest retained offset");
  }
}
