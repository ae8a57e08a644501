package io.sluice.actors.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.queue.Queue;
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

/** A consumer group's state on a FIFO topic's queue: ordered pulls keep message-group order. */
class GroupQueueFifoTest {
  /** Never expires within a test. */
  private static final long LONG_INVISIBLE = Duration.ofMinutes(2).toMillis();
  private static final AtomicInteger queues = new AtomicInteger();
  /** Limit of every wait: generous, the machine is shared. */
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(50);

  @TempDir static Path dir;
  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("GroupQueueFifoTest", ActorsTestConfig.create(dir));
    GroupQueueTest.retryAtOnce(testKit, "g");
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  ActorRef<Queue.Command> queue;
  ActorRef<GroupQueue.Command> group;

  @BeforeEach
  void newQueue() {
    queue = testKit.spawn(Queue.create("fifo" + queues.incrementAndGet() + "/0", ActorsTestConfig.READ_JOURNAL));
    group = GroupQueueTest.viaQueue(testKit, queue, "g");
  }

  /** Appends one message per group name, in order; offsets count from 0. */
  void append(String... groups) {
    List<Message> batch = new ArrayList<>();
    for (String g : groups) {
      batch.add(Message.newBuilder().setMessageId("m" + batch.size()).setMessageGroup(g)
          .setBody(ByteString.copyFromUtf8("b")).build());
    }
    TestProbe<StatusReply<Queue.Appended>> probe = testKit.createTestProbe();
    queue.tell(new Queue.Append(batch, probe.getRef()));
    assertTrue(probe.receiveMessage(WAIT).isSuccess());
  }

  List<GroupQueue.Delivered> pull(long invisibleMs) {
    TestProbe<GroupQueue.Pulled> probe = testKit.createTestProbe();
    group.tell(new GroupQueue.Pull(100, invisibleMs, io.sluice.protocol.v1.FilterExpression.getDefaultInstance(), true, probe.getRef()));
    return probe.receiveMessage(WAIT).deliveries();
  }

  /** Pulls until {@code done} holds for everything received; returns it in the order received. */
  List<GroupQueue.Delivered> pollUntil(long invisibleMs, Predicate<List<GroupQueue.Delivered>> done) {
    List<GroupQueue.Delivered> received = new ArrayList<>();
    testKit.createTestProbe().awaitAssert(WAIT, POLL, () -> {
      received.addAll(pull(invisibleMs));
      assertTrue(done.test(received), () -> "not yet: " + described(received));
      return null;
    });
    return received;
  }

  static String described(List<GroupQueue.Delivered> deliveries) {
    return deliveries.stream().map(d -> d.message().getOffset() + "#" + d.attempt()).toList().toString();
  }

  void ack(GroupQueue.Delivered d) {
    TestProbe<GroupQueue.Acked> probe = testKit.createTestProbe();
    group.tell(new GroupQueue.Ack(List.of(new GroupQueue.Receipt(d.message().getOffset(), d.nonce())), probe.getRef()));
    assertEquals(List.of(), probe.receiveMessage(WAIT).refused());
  }

  void nack(GroupQueue.Delivered d) {
    TestProbe<StatusReply<Done>> probe = testKit.createTestProbe();
    group.tell(new GroupQueue.Nack(d.message().getOffset(), d.nonce(), 0, probe.getRef()));
    assertTrue(probe.receiveMessage(WAIT).isSuccess());
  }

  static List<Long> offsets(List<GroupQueue.Delivered> deliveries) {
    return deliveries.stream().map(d -> d.message().getOffset()).toList();
  }

  @Test
  void messagesHeldBeyondTheByteBoundAreReadBackWhenReleased() {
    List<Message> batch = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      byte[] body = new byte[3 << 20];
      java.util.Arrays.fill(body, (byte) i);
      batch.add(Message.newBuilder().setMessageId("big" + i).setMessageGroup("a")
          .setBody(ByteString.copyFrom(body)).build());
    }
    TestProbe<StatusReply<Queue.Appended>> probe = testKit.createTestProbe();
    for (Message m : batch) { // one by one: the tests' segments hold 8 MiB
      queue.tell(new Queue.Append(List.of(m), probe.getRef()));
      assertTrue(probe.receiveMessage(WAIT).isSuccess());
    }

    // 1 is held with its body, 2 (past the held bytes) by offset only
    for (int i = 0; i < 3; i++) {
      GroupQueue.Delivered d = pollUntil(LONG_INVISIBLE, list -> !list.isEmpty()).get(0);
      assertEquals(i, d.message().getOffset());
      assertEquals("big" + i, d.message().getMessageId());
      assertEquals(batch.get(i).getBody(), d.message().getBody());
      assertEquals(List.of(), pull(LONG_INVISIBLE), "the group's next message waits for the ack");
      ack(d);
    }
  }

  @Test
  void deliversOneMessagePerGroupUntilItIsAckedWhileOtherGroupsFlow() {
    append("a", "a", "b", "a", "b", "c");
    List<GroupQueue.Delivered> first = pollUntil(LONG_INVISIBLE, got -> got.size() >= 3);
    assertEquals(List.of(0L, 2L, 5L), offsets(first));
    assertEquals(List.of(), pull(LONG_INVISIBLE), "later messages of a, b wait");

    ack(first.get(0));
    assertEquals(List.of(1L), offsets(pollUntil(LONG_INVISIBLE, got -> !got.isEmpty())));
    ack(first.get(1));
    List<GroupQueue.Delivered> b1 = pollUntil(LONG_INVISIBLE, got -> !got.isEmpty());
    assertEquals(List.of(4L), offsets(b1));
    assertEquals(List.of(), pull(LONG_INVISIBLE), "a's offset 3 waits for offset 1");
  }

  @Test
  void nackedMessageComesBackBeforeTheGroupsNextMessage() {
    append("a", "a");
    GroupQueue.Delivered a0 = pollUntil(LONG_INVISIBLE, got -> !got.isEmpty()).get(0);
    for (int attempt = 2; attempt <= 4; attempt++) {
      nack(a0);
      List<GroupQueue.Delivered> again = pollUntil(LONG_INVISIBLE, got -> !got.isEmpty());
      assertEquals(List.of(0L), offsets(again), "only the nacked message, never offset 1");
      assertEquals(attempt, again.get(0).attempt());
      a0 = again.get(0);
    }
    ack(a0);
    List<GroupQueue.Delivered> next = pollUntil(LONG_INVISIBLE, got -> !got.isEmpty());
    assertEquals(List.of(1L), offsets(next));
    assertEquals(1, next.get(0).attempt());
  }

  @Test
  void expiredMessageComesBackBeforeTheGroupsNextMessage() {
    append("a", "a", "b");
    List<GroupQueue.Delivered> got = pollUntil(300, list -> list.stream().anyMatch(d -> d.attempt() == 2
        && d.message().getMessageGroup().equals("a")));
    assertTrue(got.stream().noneMatch(d -> d.message().getOffset() == 1), () -> described(got));
  }

  @Test
  void waiterIsNotWokenForMessagesThatMustWait() {
    append("a", "a");
    GroupQueue.Delivered a0 = pollUntil(LONG_INVISIBLE, got -> !got.isEmpty()).get(0);
    TestProbe<GroupQueue.Available> waiter = testKit.createTestProbe();
    group.tell(new GroupQueue.AwaitMessages(System.currentTimeMillis() + 60_000, waiter.getRef()));
    waiter.expectNoMessage(Duration.ofMillis(400));
    ack(a0);
    waiter.expectMessage(WAIT, GroupQueue.Available.INSTANCE);
    assertEquals(List.of(1L), offsets(pull(LONG_INVISIBLE)));
  }
}
