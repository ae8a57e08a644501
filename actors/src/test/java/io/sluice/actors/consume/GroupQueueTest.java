package io.sluice.actors.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.group.ConsumerGroupRegistry;
import io.sluice.actors.group.RetryPolicies;
import io.sluice.actors.group.RetryPolicyCatalog;
import io.sluice.actors.queue.Queue;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer group's state on one queue, reached as the gateway reaches it: {@link Queue.ForGroup}
 * to a Queue entity, on the real journal and read journal. Redelivery waits are probe-based poll
 * loops of Pulls; every wait has a generous limit.
 */
class GroupQueueTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final Duration POLL = Duration.ofMillis(50);
  /** Invisible time long enough never to expire during a test. */
  static final long LONG_INVISIBLE = 120_000;
  private static final AtomicInteger queueCount = new AtomicInteger();

  @TempDir static Path dir;
  static ActorTestKit testKit;

  /** This test's queue (a fresh entity per test) and its topic name. */
  ActorRef<Queue.Command> queue;
  String topic;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("GroupQueueTest", ActorsTestConfig.create(dir));
    retryAtOnce(testKit, "g");
  }

  /** Makes {@code group} retry after 1 ms, so redelivery tests need not wait for the default backoff. */
  static void retryAtOnce(ActorTestKit kit, String group) {
    ActorsTestConfig.joinSelf(kit.system());
    TestProbe<org.apache.pekko.pattern.StatusReply<RetryPolicies>> policies = kit.createTestProbe();
    RetryPolicy fast = new RetryPolicy(16, List.of(1L));
    ConsumerGroupRegistry.init(kit.system())
        .tell(new ConsumerGroupRegistry.SetRetryPolicy(group, fast, policies.getRef()));
    policies.receiveMessage(WAIT);
    // the node's catalog, which the group queues read, has it too
    policies.awaitAssert(WAIT, () -> {
      assertEquals(fast, RetryPolicyCatalog.get(kit.system()).policyOf(group));
      return null;
    });
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newQueue() {
    topic = "t" + queueCount.incrementAndGet();
    queue = testKit.spawn(Queue.create(topic + "/1", ActorsTestConfig.READ_JOURNAL));
  }

  // ---- helpers ----

  static Message message(String id, String tag) {
    return Message.newBuilder()
        .setMessageId(id)
        .setTag(tag)
        .setBody(ByteString.copyFromUtf8("body " + id))
        .build();
  }

  /** Message ids are unique, as producers make them: the queue stores a known id only once. */
  private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();

  static void append(ActorTestKit kit, ActorRef<Queue.Command> queue, String... tags) {
    List<Message> batch = new ArrayList<>();
    for (String tag : tags) {
      batch.add(message("m" + batch.size(), tag).toBuilder()
          .setMessageId("m" + batch.size() + "-" + IDS.incrementAndGet()).build());
    }
    TestProbe<StatusReply<Queue.Appended>> probe = kit.createTestProbe();
    queue.tell(new Queue.Append(batch, probe.getRef()));
    assertTrue(probe.receiveMessage(WAIT).isSuccess());
  }

  void append(String... tags) {
    append(testKit, queue, tags);
  }

  static FilterExpression tagFilter(String expression) {
    return FilterExpression.newBuilder().setType(FilterExpression.Type.TAG).setExpression(expression).build();
  }

  static GroupQueue.Pulled pull(
      ActorTestKit kit, ActorRef<GroupQueue.Command> group, int max, long invisibleMs, String expression) {
    TestProbe<GroupQueue.Pulled> probe = kit.createTestProbe();
    group.tell(new GroupQueue.Pull(max, invisibleMs, tagFilter(expression), probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  /** The group's state behind this test's queue, addressed through {@link Queue.ForGroup}. */
  ActorRef<GroupQueue.Command> group(String name) {
    return viaQueue(testKit, queue, name);
  }

  static ActorRef<GroupQueue.Command> viaQueue(ActorTestKit kit, ActorRef<Queue.Command> queue, String name) {
    return kit.spawn(
        org.apache.pekko.actor.typed.javadsl.Behaviors.receiveMessage(
            (GroupQueue.Command command) -> {
              queue.tell(new Queue.ForGroup(name, command));
              return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
            }));
  }

  /**
   * Pulls every {@link #POLL} until the deliveries received so far satisfy {@code done}; returns
   * them all, in the order received. Fails if any single Pull returns more than {@code max}.
   */
  static List<GroupQueue.Delivered> pollUntil(
      ActorTestKit kit, ActorRef<GroupQueue.Command> group, int max, long invisibleMs, String expression,
      Predicate<List<GroupQueue.Delivered>> done) {
    List<GroupQueue.Delivered> received = new ArrayList<>();
    TestProbe<Object> waiter = kit.createTestProbe();
    waiter.awaitAssert(WAIT, POLL, () -> {
      List<GroupQueue.Delivered> got = pull(kit, group, max, invisibleMs, expression).deliveries();
      assertTrue(got.size() <= max, () -> "a Pull of at most " + max + " returned " + got.size());
      received.addAll(got);
      assertTrue(done.test(received), () -> "not yet: " + describe(received));
      return null;
    });
    return received;
  }

  static Predicate<List<GroupQueue.Delivered>> count(int n) {
    return list -> list.size() >= n;
  }

  static List<Long> offsets(List<GroupQueue.Delivered> deliveries) {
    return deliveries.stream().map(d -> d.message().getOffset()).toList();
  }

  static String describe(List<GroupQueue.Delivered> deliveries) {
    return deliveries.stream()
        .map(d -> d.message().getOffset() + "#" + d.attempt())
        .toList()
        .toString();
  }

  static GroupQueue.Acked ack(ActorTestKit kit, ActorRef<GroupQueue.Command> group, long offset, long nonce) {
    TestProbe<GroupQueue.Acked> probe = kit.createTestProbe();
    group.tell(new GroupQueue.Ack(List.of(new GroupQueue.Receipt(offset, nonce)), probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  GroupQueue.Acked ack(ActorRef<GroupQueue.Command> group, GroupQueue.Delivered d) {
    return ack(testKit, group, d.message().getOffset(), d.nonce());
  }

  static void assertAcked(GroupQueue.Acked reply) {
    assertEquals(List.of(), reply.refused(), "refused receipts");
  }

  static void assertRefused(GroupQueue.Acked reply) {
    assertEquals(List.of(0), reply.refused(), "refused receipts");
  }

  static void assertRefused(StatusReply<?> reply) {
    assertTrue(reply.isError(), () -> "expected a refusal, got " + reply);
    assertTrue(reply.getError().getMessage().contains("not current"), reply.getError().getMessage());
  }

  static GroupQueue.Progress progress(ActorTestKit kit, ActorRef<GroupQueue.Command> group) {
    TestProbe<GroupQueue.Progress> probe = kit.createTestProbe();
    group.tell(new GroupQueue.Describe(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  // ---- tests ----

  @Test
  void pullHandsOutMessagesInOffsetOrderUpToMax() {
    append("", "", "", "", "");
    ActorRef<GroupQueue.Command> g = group("g");
    List<GroupQueue.Delivered> got = pollUntil(testKit, g, 2, LONG_INVISIBLE, "*", count(5));

    assertEquals(List.of(0L, 1L, 2L, 3L, 4L), offsets(got));
    for (GroupQueue.Delivered d : got) {
      assertEquals(1, d.attempt());
      assertEquals(topic, d.message().getTopic());
      assertEquals(1, d.message().getQueueId());
      assertTrue(d.message().getStoreTimestampMs() > 0);
      assertEquals("body m" + d.message().getOffset(), d.message().getBody().toStringUtf8());
      assertTrue(d.nonce() != 0);
      assertTrue(d.invisibleUntilMs() > System.currentTimeMillis() + LONG_INVISIBLE / 2);
    }
    assertEquals(5, got.stream().map(GroupQueue.Delivered::nonce).distinct().count(), "nonces differ");

    // all five are invisible now: nothing more to pull
    assertEquals(List.of(), pull(testKit, g, 10, LONG_INVISIBLE, "*").deliveries());
    GroupQueue.Progress p = progress(testKit, g);
    assertEquals(0, p.ackWatermark());
    assertEquals(5, p.inFlight());
    assertEquals(5, p.readCursor());

    // another group consumes the same queue independently
    List<GroupQueue.Delivered> other = pollUntil(testKit, group("other"), 10, LONG_INVISIBLE, "*", count(5));
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L), offsets(other));
  }

  @Test
  void aPulledMessageIsInvisibleToTheNextPull() {
    append("", "");
    ActorRef<GroupQueue.Command> g = group("g");
    List<GroupQueue.Delivered> first = pollUntil(testKit, g, 1, LONG_INVISIBLE, "*", count(1));
    assertEquals(List.of(0L), offsets(first));
    // the next pulls get offset 1 only, never offset 0 again
    List<GroupQueue.Delivered> next = pollUntil(testKit, g, 5, LONG_INVISIBLE, "*", count(1));
    assertEquals(List.of(1L), offsets(next));
    assertEquals(List.of(), pull(testKit, g, 5, LONG_INVISIBLE, "*").deliveries());
  }

  @Test
  void oneAckCommandSettlesManyReceiptsAndNamesTheRefusedOnes() {
    append("", "", "", "");
    ActorRef<GroupQueue.Command> g = group("g");
    List<GroupQueue.Delivered> got = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(4));
    GroupQueue.Receipt forged = new GroupQueue.Receipt(got.get(1).message().getOffset(), got.get(1).nonce() ^ 1);
    TestProbe<GroupQueue.Acked> probe = testKit.createTestProbe();
    g.tell(new GroupQueue.Ack(List.of(
        receipt(got.get(0)), forged, receipt(got.get(2)), receipt(got.get(0)), receipt(got.get(3))), probe.getRef()));

    // the forged one and the repeat of an accepted one are refused; the other three are acked
    assertEquals(List.of(1, 3), probe.receiveMessage(WAIT).refused());
    GroupQueue.Progress p = progress(testKit, g);
    assertEquals(1, p.ackWatermark(), "offset 1 is still in flight");
    assertEquals(1, p.inFlight());
    assertAcked(ack(g, got.get(1)));
    assertEquals(4, progress(testKit, g).ackWatermark());

    // nothing accepted: the answer comes at once, all refused
    g.tell(new GroupQueue.Ack(List.of(receipt(got.get(2)), receipt(got.get(3))), probe.getRef()));
    assertEquals(List.of(0, 1), probe.receiveMessage(WAIT).refused());
  }

  static GroupQueue.Receipt receipt(GroupQueue.Delivered d) {
    return new GroupQueue.Receipt(d.message().getOffset(), d.nonce());
  }

  @Test
  void resetMovesThePositionBackAndForth() {
    append("", "", "", "", "");
    ActorRef<GroupQueue.Command> g = group("g");
    List<GroupQueue.Delivered> got = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(5));
    for (GroupQueue.Delivered d : got) {
      assertAcked(ack(g, d));
    }
    assertEquals(5, progress(testKit, g).ackWatermark());

    // back to offset 2: 2, 3, 4 come again as first deliveries
    assertEquals(2, reset(g, 2).ackWatermark());
    List<GroupQueue.Delivered> again = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(3));
    assertEquals(List.of(2L, 3L, 4L), offsets(again));
    assertEquals(List.of(1, 1, 1), again.stream().map(GroupQueue.Delivered::attempt).toList());

    // forward past the end while 2..4 are in flight: their receipts stop working, nothing is due
    GroupQueue.Progress p = reset(g, 5);
    assertEquals(5, p.ackWatermark());
    assertEquals(0, p.inFlight());
    assertRefused(ack(g, again.get(0)));
    assertEquals(List.of(), pull(testKit, g, 10, LONG_INVISIBLE, "*").deliveries());
    append("");
    assertEquals(List.of(5L), offsets(pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(1))));
  }

  GroupQueue.Progress reset(ActorRef<GroupQueue.Command> group, long offset) {
    TestProbe<GroupQueue.Progress> probe = testKit.createTestProbe();
    group.tell(new GroupQueue.ResetTo(offset, probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  @Test
  void acksMoveTheWatermark() {
    append("", "", "");
    ActorRef<GroupQueue.Command> g = group("g");
    List<GroupQueue.Delivered> got = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(3));

    assertAcked(ack(g, got.get(1)));
    GroupQueue.Progress p = progress(testKit, g);
    assertEquals(0, p.ackWatermark(), "offset 0 is not acked yet");
    assertEquals(2, p.inFlight());

    assertAcked(ack(g, got.get(0)));
    assertEquals(2, progress(testKit, g).ackWatermark());

    assertAcked(ack(g, got.get(2)));
    p = progress(testKit, g);
    assertEquals(3, p.ackWatermark());
    assertEquals(0, p.inFlight());

    // a receipt works once
    assertRefused(ack(g, got.get(2)));
    // acked messages are not delivered again
    assertEquals(List.of(), pull(testKit, g, 10, LONG_INVISIBLE, "*").deliveries());
  }

  @Test
  void wrongNonceOrUnknownOffsetIsRefused() {
    append("");
    ActorRef<GroupQueue.Command> g = group("g");
    GroupQueue.Delivered d = pollUntil(testKit, g, 1, LONG_INVISIBLE, "*", count(1)).get(0);

    assertRefused(ack(testKit, g, 0, d.nonce() + 1));
    assertRefused(ack(testKit, g, 7, d.nonce()));
    TestProbe<StatusReply<Done>> nackProbe = testKit.createTestProbe();
    g.tell(new GroupQueue.Nack(0, d.nonce() ^ 1, 0, nackProbe.getRef()));
    assertRefused(nackProbe.receiveMessage(WAIT));
    TestProbe<StatusReply<GroupQueue.Renewed>> renewProbe = testKit.createTestProbe();
    g.tell(new GroupQueue.ChangeInvisible(0, d.nonce() ^ 1, 1_000, renewProbe.getRef()));
    assertRefused(renewProbe.receiveMessage(WAIT));

    // the refusals changed nothing: the right receipt still works
    assertEquals(1, progress(testKit, g).inFlight());
    assertAcked(ack(g, d));
    assertEquals(1, progress(testKit, g).ackWatermark());
  }

  /** A message whose body is {@code bytes} bytes of {@code fill}. */
  static Message large(String id, int bytes, int fill) {
    byte[] body = new byte[bytes];
    java.util.Arrays.fill(body, (byte) fill);
    return Message.newBuilder().setMessageId(id).setBody(ByteString.copyFrom(body)).build();
  }

  void appendMessages(Message... messages) {
    TestProbe<StatusReply<Queue.Appended>> probe = testKit.createTestProbe();
    queue.tell(new Queue.Append(List.of(messages), probe.getRef()));
    assertTrue(probe.receiveMessage(WAIT).isSuccess());
  }

  @Test
  void aPullHandsOutAtMostItsByteBoundButAlwaysOneMessageAndOnlyThatBecomesInvisible() {
    int size = 1_500_000; // two fit in the default 4 MiB bound, three do not
    appendMessages(large("a", size, 1), large("b", size, 2), large("c", size, 3), large("d", size, 4));
    ActorRef<GroupQueue.Command> g = group("g");
    List<GroupQueue.Delivered> all = new ArrayList<>();
    testKit.createTestProbe().awaitAssert(WAIT, POLL, () -> {
      List<GroupQueue.Delivered> got = pull(testKit, g, 100, LONG_INVISIBLE, "*").deliveries();
      long bytes = got.stream().mapToLong(d -> d.message().getSerializedSize()).sum();
      assertTrue(got.size() <= 1 || bytes <= GroupQueue.BATCH_BYTES, "a Pull returned " + bytes + " bytes");
      all.addAll(got);
      assertEquals(all.size(), progress(testKit, g).inFlight(), "in flight: exactly what was handed out");
      assertEquals(4, all.size());
      return null;
    });
    assertEquals(List.of(0L, 1L, 2L, 3L), offsets(all));

    // a message larger than the bound still goes, alone
    TestProbe<GroupQueue.Pulled> probe = testKit.createTestProbe();
    appendMessages(large("e", 5 << 20, 5));
    probe.awaitAssert(WAIT, POLL, () -> {
      g.tell(new GroupQueue.Pull(100, 1 << 20, true, LONG_INVISIBLE, FilterExpression.getDefaultInstance(), false,
          probe.getRef()));
      List<GroupQueue.Delivered> got = probe.receiveMessage(WAIT).deliveries();
      assertEquals(List.of(4L), offsets(got));
      return null;
    });
  }

  @Test
  void aDeliveryInFlightKeepsNoBodyAndItsRedeliveryReadsItBack() {
    appendMessages(large("big", 1 << 20, 7));
    ActorRef<GroupQueue.Command> g = group("g");
    TestProbe<GroupQueue.Pulled> probe = testKit.createTestProbe();
    long[] nonce = new long[1];
    List<java.lang.ref.WeakReference<ByteString>> held = new ArrayList<>();
    probe.awaitAssert(WAIT, POLL, () -> {
      g.tell(new GroupQueue.Pull(1, LONG_INVISIBLE, tagFilter("*"), probe.getRef()));
      List<GroupQueue.Delivered> got = probe.receiveMessage(WAIT).deliveries();
      assertEquals(1, got.size());
      nonce[0] = got.get(0).nonce();
      held.add(new java.lang.ref.WeakReference<>(got.get(0).message().getBody()));
      return null;
    });
    // a later message moves the journal stream past the read that carried the first one
    appendMessages(large("small", 10, 8));
    pollUntil(testKit, g, 1, LONG_INVISIBLE, "*", count(1));
    assertEquals(2, progress(testKit, g).inFlight());

    probe.awaitAssert(WAIT, POLL, () -> {
      System.gc();
      assertEquals(null, held.get(0).get(), "the in-flight delivery still holds its message body");
      return null;
    });

    // its invisible time passes: the message is read back from the journal
    TestProbe<StatusReply<GroupQueue.Renewed>> renewed = testKit.createTestProbe();
    g.tell(new GroupQueue.ChangeInvisible(0, nonce[0], 1, renewed.getRef()));
    assertTrue(renewed.receiveMessage(WAIT).isSuccess());
    GroupQueue.Delivered again = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(1)).get(0);
    assertEquals(0, again.message().getOffset());
    assertEquals(2, again.attempt());
    assertEquals(large("big", 1 << 20, 7).getBody(), again.message().getBody());
    assertEquals("big", again.message().getMessageId());
    assertEquals(2, progress(testKit, g).inFlight());
  }

  @Test
  void nackRedeliversAfterTheDelayAsTheNextAttempt() {
    append("", "");
    ActorRef<GroupQueue.Command> g = group("g");
    List<GroupQueue.Delivered> got = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(2));
    GroupQueue.Delivered d = got.get(0);

    long delayMs = 700;
    long beforeNack = System.currentTimeMillis();
    TestProbe<StatusReply<Done>> nackProbe = testKit.createTestProbe();
    g.tell(new GroupQueue.Nack(0, d.nonce(), delayMs, nackProbe.getRef()));
    assertTrue(nackProbe.receiveMessage(WAIT).isSuccess());
    // the nacked receipt stops working at once
    assertRefused(ack(g, d));

    List<GroupQueue.Delivered> again = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(1));
    long redeliveredAt = System.currentTimeMillis();
    assertEquals(List.of(0L), offsets(again), "only the nacked message comes back");
    GroupQueue.Delivered d2 = again.get(0);
    assertEquals(2, d2.attempt());
    assertNotEquals(d.nonce(), d2.nonce());
    assertTrue(redeliveredAt - beforeNack >= delayMs,
        "redelivered " + (redeliveredAt - beforeNack) + " ms after the nack, before the delay of " + delayMs);

    assertRefused(ack(g, d));
    assertAcked(ack(g, d2));
    assertAcked(ack(g, got.get(1)));
    assertEquals(2, progress(testKit, g).ackWatermark());
  }

  @Test
  void aNackDelayNearLongMaxValueSaturatesInsteadOfRedeliveringAtOnce() {
    append("");
    ActorRef<GroupQueue.Command> g = group("g");
    GroupQueue.Delivered d = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(1)).get(0);
    TestProbe<StatusReply<Done>> nackProbe = testKit.createTestProbe();
    g.tell(new GroupQueue.Nack(0, d.nonce(), Long.MAX_VALUE, nackProbe.getRef()));
    assertTrue(nackProbe.receiveMessage(WAIT).isSuccess());
    assertEquals(List.of(), pull(testKit, g, 10, LONG_INVISIBLE, "*").deliveries(),
        "redelivered although nacked for the longest delay");
    assertEquals(1, progress(testKit, g).inFlight());
  }

  @Test
  void notAckedWithinTheInvisibleTimeIsRedeliveredWithTheNextAttempt() {
    append("", "");
    ActorRef<GroupQueue.Command> g = group("g");
    // offset 0 with a short invisible time, offset 1 kept invisible
    GroupQueue.Delivered d1 = pollUntil(testKit, g, 1, 300, "*", count(1)).get(0);
    assertEquals(0, d1.message().getOffset());
    pollUntil(testKit, g, 1, LONG_INVISIBLE, "*", count(1));

    GroupQueue.Delivered d2 = pollUntil(testKit, g, 10, 300, "*", count(1)).get(0);
    assertTrue(System.currentTimeMillis() >= d1.invisibleUntilMs());
    assertEquals(0, d2.message().getOffset());
    assertEquals(2, d2.attempt());
    assertNotEquals(d1.nonce(), d2.nonce());
    // the expired receipt is refused
    assertRefused(ack(g, d1));

    GroupQueue.Delivered d3 = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(1)).get(0);
    assertEquals(0, d3.message().getOffset());
    assertEquals(3, d3.attempt());
    assertRefused(ack(g, d2));
    assertAcked(ack(g, d3));
    assertEquals(1, progress(testKit, g).ackWatermark());
    assertEquals(1, progress(testKit, g).inFlight());
  }

  @Test
  void changeInvisibleExtendsAndReplacesTheNonce() {
    append("", "");
    ActorRef<GroupQueue.Command> g = group("g");
    GroupQueue.Delivered d0 = pollUntil(testKit, g, 1, 300, "*", count(1)).get(0);
    assertEquals(0, d0.message().getOffset());

    TestProbe<StatusReply<GroupQueue.Renewed>> renewProbe = testKit.createTestProbe();
    long beforeRenew = System.currentTimeMillis();
    g.tell(new GroupQueue.ChangeInvisible(0, d0.nonce(), LONG_INVISIBLE, renewProbe.getRef()));
    StatusReply<GroupQueue.Renewed> renewed = renewProbe.receiveMessage(WAIT);
    assertTrue(renewed.isSuccess(), () -> "renew refused: " + renewed);
    GroupQueue.Renewed r = renewed.getValue();
    assertNotEquals(d0.nonce(), r.nonce());
    assertTrue(r.invisibleUntilMs() >= beforeRenew + LONG_INVISIBLE);

    // the old receipt no longer works, for renewing or acking
    g.tell(new GroupQueue.ChangeInvisible(0, d0.nonce(), LONG_INVISIBLE, renewProbe.getRef()));
    assertRefused(renewProbe.receiveMessage(WAIT));
    assertRefused(ack(g, d0));

    // offset 1, pulled after offset 0 with the same short invisible time, expires and comes back;
    // by then offset 0 would have too, had it not been extended
    GroupQueue.Delivered d1 = pollUntil(testKit, g, 1, 300, "*", count(1)).get(0);
    assertEquals(1, d1.message().getOffset());
    List<GroupQueue.Delivered> redelivered = pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(1));
    assertEquals(List.of(1L), offsets(redelivered), "offset 0 was extended and must stay invisible");
    assertEquals(2, redelivered.get(0).attempt());
    assertTrue(System.currentTimeMillis() > d0.invisibleUntilMs());
    assertEquals(List.of(), pull(testKit, g, 10, LONG_INVISIBLE, "*").deliveries());

    assertAcked(ack(testKit, g, 0, r.nonce()));
  }

  @Test
  void awaitMessagesRepliesWhenAMessageArrives() {
    ActorRef<GroupQueue.Command> g = group("g");
    TestProbe<GroupQueue.Available> waiter = testKit.createTestProbe();
    g.tell(new GroupQueue.AwaitMessages(System.currentTimeMillis() + 60_000, waiter.getRef()));
    // an empty queue: nothing to announce (the group has recovered once Describe answers)
    progress(testKit, g);
    waiter.expectNoMessage(Duration.ofMillis(300));

    append("");
    assertEquals(GroupQueue.Available.INSTANCE, waiter.receiveMessage(WAIT));
    GroupQueue.Delivered d = pollUntil(testKit, g, 10, 300, "*", count(1)).get(0);

    // with nothing visible, a waiter is woken by the redelivery of an expired message
    TestProbe<GroupQueue.Available> second = testKit.createTestProbe();
    g.tell(new GroupQueue.AwaitMessages(System.currentTimeMillis() + 60_000, second.getRef()));
    assertEquals(GroupQueue.Available.INSTANCE, second.receiveMessage(WAIT));
    assertTrue(System.currentTimeMillis() >= d.invisibleUntilMs(), "woken before the message became visible");

    // and with a message ready, the answer is immediate
    TestProbe<GroupQueue.Available> third = testKit.createTestProbe();
    g.tell(new GroupQueue.AwaitMessages(System.currentTimeMillis() + 60_000, third.getRef()));
    assertEquals(GroupQueue.Available.INSTANCE, third.receiveMessage(WAIT));
  }

  @Test
  void tagExpressionDeliversOnlyMatchingTagsAndTheOthersDoNotBlockTheWatermark() {
    // offsets:  0    1    2    3   4    5
    append("A", "B", "A", "", "C", "B");
    ActorRef<GroupQueue.Command> g = group("filtered");
    List<GroupQueue.Delivered> got = pollUntil(testKit, g, 10, LONG_INVISIBLE, "A || C", count(3));
    assertEquals(List.of(0L, 2L, 4L), offsets(got));
    assertEquals(List.of("A", "A", "C"), got.stream().map(d -> d.message().getTag()).toList());
    for (GroupQueue.Delivered d : got) {
      assertAcked(ack(g, d));
    }
    // offset 5 is settled once a Pull has passed it; nothing else is ever delivered
    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(WAIT, POLL, () -> {
      assertEquals(List.of(), pull(testKit, g, 10, LONG_INVISIBLE, "A || C").deliveries());
      assertEquals(6, progress(testKit, g).ackWatermark());
      return null;
    });
    assertEquals(0, progress(testKit, g).inFlight());

    // filtering is per group
    assertEquals(List.of(1L, 5L),
        offsets(pollUntil(testKit, group("only-b"), 10, LONG_INVISIBLE, "B", count(2))));
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L),
        offsets(pollUntil(testKit, group("all"), 10, LONG_INVISIBLE, "*", count(6))));
  }

  @Test
  void untaggedMessagesMatchOnlyStar() {
    append("", "X", "");
    ActorRef<GroupQueue.Command> g = group("x");
    assertEquals(List.of(1L), offsets(pollUntil(testKit, g, 10, LONG_INVISIBLE, "X", count(1))));
    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(WAIT, POLL, () -> {
      assertEquals(List.of(), pull(testKit, g, 10, LONG_INVISIBLE, "X").deliveries());
      // 0 and 2 are settled, 1 is in flight
      GroupQueue.Progress p = progress(testKit, g);
      assertEquals(1, p.inFlight());
      assertEquals(3, p.readCursor());
      // offset 0 is settled (filtered out), 1 is in flight: the watermark stops at 1
      assertEquals(1, p.ackWatermark());
      return null;
    });
  }

  @Test
  void ackedOffsetsSurviveARestartAndUnackedOnesAreRedelivered(@TempDir Path restartDir) {
    String entityId = "restart/0";
    ActorTestKit first = ActorTestKit.create("GroupQueueRestart1", ActorsTestConfig.create(restartDir));
    try {
      ActorRef<Queue.Command> q = first.spawn(Queue.create(entityId, ActorsTestConfig.READ_JOURNAL));
      append(first, q, "", "", "", "", "");
      ActorRef<GroupQueue.Command> g = viaQueue(first, q, "g");
      List<GroupQueue.Delivered> got = pollUntil(first, g, 10, LONG_INVISIBLE, "*", count(5));
      assertEquals(List.of(0L, 1L, 2L, 3L, 4L), offsets(got));
      for (int i : new int[] {0, 1, 3}) {
        assertAcked(ack(first, g, got.get(i).message().getOffset(), got.get(i).nonce()));
      }
      assertEquals(2, progress(first, g).ackWatermark());
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = ActorTestKit.create("GroupQueueRestart2", ActorsTestConfig.create(restartDir));
    try {
      // the group's state spawned on its own this time, as GroupQueue.create allows
      ActorRef<GroupQueue.Command> g =
          second.spawn(GroupQueue.create("g", entityId, ActorsTestConfig.READ_JOURNAL));
      assertEquals(2, progress(second, g).ackWatermark());

      List<GroupQueue.Delivered> again = pollUntil(second, g, 10, LONG_INVISIBLE, "*", count(2));
      assertEquals(List.of(2L, 4L), offsets(again), "only the unacked offsets come back");
      again.forEach(d -> assertEquals(1, d.attempt(), "in-flight attempts are not persisted"));
      // offset 3 (acked above the watermark) comes before 4 in the log: it was skipped, not pending
      assertEquals(List.of(), pull(second, g, 10, LONG_INVISIBLE, "*").deliveries());

      assertAcked(ack(second, g, 4, again.get(1).nonce()));
      assertEquals(2, progress(second, g).ackWatermark());
      assertAcked(ack(second, g, 2, again.get(0).nonce()));
      assertEquals(5, progress(second, g).ackWatermark(), "2 closes the gap to 3 and 4");

      // a group that never consumed starts at offset 0
      ActorRef<GroupQueue.Command> fresh =
          second.spawn(GroupQueue.create("fresh", entityId, ActorsTestConfig.READ_JOURNAL));
      assertEquals(List.of(0L, 1L, 2L, 3L, 4L),
          offsets(pollUntil(second, fresh, 10, LONG_INVISIBLE, "*", count(5))));
    } finally {
      second.shutdownTestKit();
    }
  }

  /**
   * Failover (shared/CLUSTER.md 4.9): the group's state starts on another node from the replicated,
   * byte-identical log, modelled here by a new actor system on the same store. A receipt handed out
   * before can never ack the new delivery of the same offset: deliveries in flight are not in the
   * log, and each delivery has a new random nonce (the gateway answers INVALID_RECEIPT).
   */
  @Test
  void aReceiptFromBeforeAFailoverIsRefusedAndTheNewDeliveryAcks(@TempDir Path failoverDir) {
    String entityId = "failover/0";
    List<GroupQueue.Delivered> before;
    ActorTestKit master = ActorTestKit.create("GroupQueueMaster", ActorsTestConfig.create(failoverDir));
    try {
      ActorRef<Queue.Command> q = master.spawn(Queue.create(entityId, ActorsTestConfig.READ_JOURNAL));
      append(master, q, "", "", "");
      before = pollUntil(master, viaQueue(master, q, "g"), 10, LONG_INVISIBLE, "*", count(3));
      assertEquals(List.of(0L, 1L, 2L), offsets(before));
    } finally {
      master.shutdownTestKit();
    }

    ActorTestKit promoted = ActorTestKit.create("GroupQueuePromoted", ActorsTestConfig.create(failoverDir));
    try {
      ActorRef<GroupQueue.Command> g = promoted.spawn(GroupQueue.create("g", entityId, ActorsTestConfig.READ_JOURNAL));
      assertRefused(ack(promoted, g, 0, before.get(0).nonce()));
      List<GroupQueue.Delivered> again = pollUntil(promoted, g, 10, LONG_INVISIBLE, "*", count(3));
      assertEquals(List.of(0L, 1L, 2L), offsets(again));
      for (int i = 0; i < 3; i++) {
        assertRefused(ack(promoted, g, i, before.get(i).nonce()));
      }
      again.forEach(d -> assertAcked(ack(promoted, g, d.message().getOffset(), d.nonce())));
      assertEquals(3, progress(promoted, g).ackWatermark());
    } finally {
      promoted.shutdownTestKit();
    }
  }
}
