package io.sluice.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.group.ConsumerGroupRegistry;
import io.sluice.actors.consume.RetryPolicy;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * the registries (cluster singletons) or the queues (sharded entities): they restart with backoff,
 * recover, and answer again, with nothing of the failed write applied. Runs on Pekko's
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
  void theTopicRegistryAnswersAgainAfterAFailedWrite() {
    ActorRef<TopicRegistry.Command> registry = TopicRegistry.init(testKit.system());
    assertInstanceOf(TopicRegistry.Changed.class, create(registry, "before"));

    journal.failNextPersisted();
    TestProbe<TopicRegistry.Change> lost = testKit.createTestProbe();
    registry.tell(new TopicRegistry.CreateTopic(new TopicConfig("failed", 1, MessageType.NORMAL, 0), lost.getRef()));
    lost.expectNoMessage(Duration.ofMillis(500));

    // the singleton restarts and recovers; the write that failed is not there
    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(ANSWER, Duration.ofMillis(200), () -> {
      assertInstanceOf(TopicRegistry.Changed.class, create(registry, "after"));
      return null;
    });
    TestProbe<io.sluice.actors.topic.Topics> topics = testKit.createTestProbe();
    registry.tell(new TopicRegistry.GetTopics(topics.getRef()));
    assertEquals(java.util.Set.of("after", "before"), topics.receiveMessage(ANSWER).byName().keySet());
  }

  @Test
  void theConsumerGroupRegistryAnswersAgainAfterAFailedWrite() {
    ActorRef<ConsumerGroupRegistry.Command> registry = ConsumerGroupRegistry.init(testKit.system());
    journal.failNextPersisted();
    TestProbe<io.sluice.actors.group.RetryPolicies> lost = testKit.createTestProbe();
    registry.tell(new ConsumerGroupRegistry.SetRetryPolicy("g1", RetryPolicy.DEFAULT, lost.getRef()));
    lost.expectNoMessage(Duration.ofMillis(500));
    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(ANSWER, Duration.ofMillis(200), () -> {
      TestProbe<io.sluice.actors.group.RetryPolicies> probe = testKit.createTestProbe();
      registry.tell(new ConsumerGroupRegistry.SetRetryPolicy("g2", RetryPolicy.DEFAULT, probe.getRef()));
      probe.receiveMessage(Duration.ofSeconds(2));
      return null;
    });
  }

  @Test
  void aQueueAppendsAgainAfterAFailedWrite() {
    EntityRef<Queue.Command> queue = ClusterSharding.get(testKit.system()).entityRefFor(Queue.ENTITY_KEY, "failing/0");
    assertEquals(0, append(queue, "m-0", Duration.ofSeconds(30)).firstOffset());

    journal.failNextPersisted();
    TestProbe<StatusReply<Queue.Appended>> lost = testKit.createTestProbe();
    queue.tell(new Queue.Append(List.of(message("m-1")), lost.getRef()));
    lost.expectNoMessage(Duration.ofMillis(500));

    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(ANSWER, Duration.ofMillis(200), () -> {
      // the failed write left no trace: not stored, not in the dedup window
      assertEquals(1, append(queue, "m-1", Duration.ofSeconds(2)).firstOffset());
      return null;
    });
  }

  private static TopicRegistry.Change create(ActorRef<TopicRegistry.Command> registry, String name) {
    TestProbe<TopicRegistry.Change> probe = testKit.createTestProbe();
    registry.tell(new TopicRegistry.CreateTopic(new TopicConfig(name, 1, MessageType.NORMAL, 0), probe.getRef()));
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
