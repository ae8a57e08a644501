package io.sluice.actors.consume;

import static io.sluice.actors.consume.GroupQueueTest.ack;
import static io.sluice.actors.consume.GroupQueueTest.assertAcked;
import static io.sluice.actors.consume.GroupQueueTest.count;
import static io.sluice.actors.consume.GroupQueueTest.pollUntil;
import static io.sluice.actors.consume.GroupQueueTest.progress;
import static io.sluice.actors.consume.GroupQueueTest.pull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.group.ConsumerGroupRegistry;
import io.sluice.actors.group.RetryPolicies;
import io.sluice.actors.group.RetryPolicyCatalog;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.actors.topic.Topics;
import io.sluice.protocol.v1.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retries with the group's backoff and dead-lettering after the last attempt, on sharded queues
 * with the topic and consumer-group registries running, as on a node.
 */
class GroupQueueRetryTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long LONG_INVISIBLE = 120_000;
  /** 3 attempts, 200 ms then 400 ms between them. */
  private static final RetryPolicy POLICY = new RetryPolicy(3, List.of(200L, 400L));
  /** A backoff far longer than any wait of these tests. */
  private static final RetryPolicy SLOW = new RetryPolicy(3, List.of(60_000L));

  @TempDir static Path dir;
  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("GroupQueueRetryTest", ActorsTestConfig.create(dir));
    ActorsTestConfig.joinSelf(testKit.system());
    Queue.init(testKit.system(), ActorsTestConfig.READ_JOURNAL);
    TestProbe<StatusReply<RetryPolicies>> probe = testKit.createTestProbe();
    ConsumerGroupRegistry.init(testKit.system())
        .tell(new ConsumerGroupRegistry.SetRetryPolicy("dl", POLICY, probe.getRef()));
    assertEquals(POLICY, probe.receiveMessage(WAIT).getValue().of("dl"));
    ConsumerGroupRegistry.init(testKit.system())
        .tell(new ConsumerGroupRegistry.SetRetryPolicy("slow", SLOW, probe.getRef()));
    assertEquals(SLOW, probe.receiveMessage(WAIT).getValue().of("slow"));
    // group queues read the node's catalog, which follows the registry asynchronously
    probe.awaitAssert(WAIT, () -> {
      assertEquals(POLICY, RetryPolicyCatalog.get(testKit.system()).policyOf("dl"));
      assertEquals(SLOW, RetryPolicyCatalog.get(testKit.system()).policyOf("slow"));
      return null;
    });
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static EntityRef<Queue.Command> queue(String entityId) {
    return ClusterSharding.get(testKit.system()).entityRefFor(Queue.ENTITY_KEY, entityId);
  }

  static void append(String entityId, String... ids) {
    List<Message> batch = java.util.Arrays.stream(ids).map(id -> GroupQueueTest.message(id, "T").toBuilder()
        .addKeys("k-" + id).putProperties("p", id).build()).toList();
    TestProbe<StatusReply<Queue.Appended>> probe = testKit.createTestProbe();
    queue(entityId).tell(new Queue.Append(batch, probe.getRef()));
    assertTrue(probe.receiveMessage(WAIT).isSuccess());
  }

  static ActorRef<GroupQueue.Command> group(String entityId, String name) {
    EntityRef<Queue.Command> q = queue(entityId);
    return testKit.spawn(Behaviors.receiveMessage((GroupQueue.Command c) -> {
      q.tell(new Queue.ForGroup(name, c));
      return Behaviors.same();
    }));
  }

  static void nack(ActorRef<GroupQueue.Command> g, GroupQueue.Delivered d) {
    TestProbe<StatusReply<Done>> probe = testKit.createTestProbe();
    g.tell(new GroupQueue.Nack(d.message().getOffset(), d.nonce(), 0, probe.getRef()));
    assertTrue(probe.receiveMessage(WAIT).isSuccess());
  }

  /** The dead letters of group "dl", read by a fresh group on its dead-letter queue. */
  static List<GroupQueue.Delivered> deadLetters(int expected) {
    return pollUntil(testKit, group("%DLQ%dl/0", "reader-" + System.nanoTime()), 10, LONG_INVISIBLE, "*",
        count(expected));
  }

  @Test
  void nackWithoutDelayBacksOffPerPolicyThenDeadLettersAfterTheLastAttempt() {
    append("orders/0", "a", "b");
    ActorRef<GroupQueue.Command> g = group("orders/0", "dl");
    List<GroupQueue.Delivered> first = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(2));
    assertAcked(ack(testKit, g, 1, first.get(1).nonce()));

    GroupQueue.Delivered d = first.get(0);
    for (int attempt = 1; attempt <= 3; attempt++) {
      assertEquals(attempt, d.attempt());
      long nackedAt = System.currentTimeMillis();
      nack(g, d);
      if (attempt < 3) {
        d = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(1)).get(0);
        long waited = System.currentTimeMillis() - nackedAt;
        assertTrue(waited >= POLICY.delayMsAfter(attempt), "redelivered after " + waited + " ms");
      }
    }
    // settled in the group once the dead letter is stored
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(2, progress(testKit, g).ackWatermark());
      return null;
    });
    assertEquals(List.of(), pull(testKit, g, 10, LONG_INVISIBLE, "*").deliveries());

    Message dead = deadLetters(1).get(0).message();
    assertEquals("a", dead.getMessageId());
    assertEquals("%DLQ%dl", dead.getTopic());
    assertEquals("body a", dead.getBody().toStringUtf8());
    assertEquals("T", dead.getTag());
    assertEquals(List.of("k-a"), dead.getKeysList());
    assertEquals("a", dead.getPropertiesOrThrow("p"));
    assertEquals("orders", dead.getPropertiesOrThrow(DeadLetters.ORIGINAL_TOPIC));
    assertEquals("0", dead.getPropertiesOrThrow(DeadLetters.ORIGINAL_QUEUE));
    assertEquals("0", dead.getPropertiesOrThrow(DeadLetters.ORIGINAL_OFFSET));
    assertEquals("3", dead.getPropertiesOrThrow(DeadLetters.ATTEMPTS));

    TestProbe<Topics> topics = testKit.createTestProbe();
    TopicRegistry.init(testKit.system()).tell(new TopicRegistry.GetTopics(topics.getRef()));
    assertEquals(1, topics.receiveMessage(WAIT).get("%DLQ%dl").orElseThrow().queueCount());
  }

  @Test
  void expiryCountsAsAFailedAttemptToo() {
    append("expiring/0", "x");
    ActorRef<GroupQueue.Command> g = group("expiring/0", "dl");
    List<GroupQueue.Delivered> seen = pollUntil(testKit, g, 10, 100, "*", count(3));
    assertEquals(List.of(1, 2, 3), seen.stream().map(GroupQueue.Delivered::attempt).toList());
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(1, progress(testKit, g).ackWatermark());
      return null;
    });
    assertEquals(List.of(), pull(testKit, g, 10, 100, "*").deliveries());
  }

  @Test
  void anExpiredDeliveryIsVisibleAgainAtOnceAsTheNextAttemptWithoutTheBackoff() {
    append("lapsing/0", "z");
    ActorRef<GroupQueue.Command> g = group("lapsing/0", "slow");
    GroupQueue.Delivered first = pollUntil(testKit, g, 10, 300, "*", count(1)).get(0);
    // the group's backoff (60 s) is longer than this wait: only the invisible time counts
    GroupQueue.Delivered second = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(1)).get(0);
    long after = System.currentTimeMillis() - first.invisibleUntilMs();
    assertEquals(0, second.message().getOffset());
    assertEquals(2, second.attempt());
    assertTrue(after >= 0 && after < SLOW.delayMsAfter(1), "redelivered " + after + " ms after its invisible time");
    assertEquals("z", second.message().getMessageId());
  }

  @Test
  void aBroadcastingMemberFollowsItsGroupsPolicyAndDeadLettersToItsGroupsQueue() {
    append("broadcast/0", "y");
    ActorRef<GroupQueue.Command> member = group("broadcast/0", GroupQueue.memberState("dl", "m1"));
    List<GroupQueue.Delivered> seen = pollUntil(testKit, member, 10, 100, "*", count(3));
    assertEquals(List.of(1, 2, 3), seen.stream().map(GroupQueue.Delivered::attempt).toList(), "group dl's 3 attempts");
    // settled only once its dead letter is stored in %DLQ%dl (a "%DLQ%dl#m1" topic could not exist)
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(1, progress(testKit, member).ackWatermark());
      return null;
    });
    assertEquals("dl", GroupQueue.consumerGroupOf(GroupQueue.memberState("dl", "m1")));
    assertEquals("dl", GroupQueue.consumerGroupOf("dl"));
  }

  @Test
  void settleMarksOffsetsDoneWithoutADeliveryAndGetSettledShowsThem() {
    append("settled/0", "s0", "s1", "s2");
    ActorRef<GroupQueue.Command> g = group("settled/0", "operator");
    TestProbe<GroupQueue.Acked> acked = testKit.createTestProbe();
    g.tell(new GroupQueue.Settle(List.of(0L, 2L), acked.getRef()));
    assertEquals(List.of(), acked.receiveMessage(WAIT).refused());
    TestProbe<GroupQueue.State> state = testKit.createTestProbe();
    g.tell(new GroupQueue.GetSettled(state.getRef()));
    GroupQueue.State s = state.receiveMessage(WAIT);
    assertTrue(s.isAcked(0) && !s.isAcked(1) && s.isAcked(2), s.toString());
    List<GroupQueue.Delivered> left = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(1));
    assertEquals(1, left.get(0).message().getOffset());
  }
}
