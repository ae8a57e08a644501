package io.sluice.actors.consume;

import static io.sluice.actors.consume.GroupQueueTest.LONG_INVISIBLE;
import static io.sluice.actors.consume.GroupQueueTest.POLL;
import static io.sluice.actors.consume.GroupQueueTest.WAIT;
import static io.sluice.actors.consume.GroupQueueTest.ack;
import static io.sluice.actors.consume.GroupQueueTest.append;
import static io.sluice.actors.consume.GroupQueueTest.assertAcked;
import static io.sluice.actors.consume.GroupQueueTest.count;
import static io.sluice.actors.consume.GroupQueueTest.offsets;
import static io.sluice.actors.consume.GroupQueueTest.pollUntil;
import static io.sluice.actors.consume.GroupQueueTest.progress;
import static io.sluice.actors.consume.GroupQueueTest.pull;
import static io.sluice.actors.consume.GroupQueueTest.viaQueue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.queue.Queue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group with a tag filter on the Sluice read journal, which skips the messages the filter rejects
 * by their tag hash without reading them: what is delivered, how the watermark passes the rest, a
 * restart, and filter changes (they apply from where the journal stream stopped reading). Each
 * group makes its first Pull before messages arrive ({@link #subscribed}), so that nothing reaches
 * it through the unfiltered stream a group starts with.
 */
class GroupQueueTagFilterTest {
  private static final AtomicInteger queueCount = new AtomicInteger();

  @TempDir static Path dir;
  static ActorTestKit testKit;

  ActorRef<Queue.Command> queue;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("GroupQueueTagFilterTest", ActorsTestConfig.create(dir));
    ActorsTestConfig.joinSelf(testKit.system());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newQueue() {
    queue = testKit.spawn(Queue.create("tags" + queueCount.incrementAndGet() + "/0", ActorsTestConfig.READ_JOURNAL));
  }

  /** Tags of a batch: {@code A} at every tenth offset from 0, else {@code B}, every seventh untagged. */
  private static String[] mostlyOtherTags(int n) {
    String[] tags = new String[n];
    for (int i = 0; i < n; i++) {
      tags[i] = i % 10 == 0 ? "A" : i % 7 == 0 ? "" : "B";
    }
    return tags;
  }

  /** Group {@code name} on {@code queue}, after a first Pull with {@code expression} that found nothing. */
  private static ActorRef<GroupQueue.Command> subscribed(
      ActorTestKit kit, ActorRef<Queue.Command> queue, String name, String expression) {
    ActorRef<GroupQueue.Command> group = viaQueue(kit, queue, name);
    assertEquals(List.of(), pull(kit, group, 10, LONG_INVISIBLE, expression).deliveries());
    return group;
  }

  private static void awaitWatermark(ActorTestKit kit, ActorRef<GroupQueue.Command> group, long watermark) {
    TestProbe<Object> waiter = kit.createTestProbe();
    waiter.awaitAssert(WAIT, POLL, () -> {
      assertEquals(watermark, progress(kit, group).ackWatermark());
      return null;
    });
  }

  private static void ackAll(ActorTestKit kit, ActorRef<GroupQueue.Command> group, List<GroupQueue.Delivered> got) {
    for (GroupQueue.Delivered d : got) {
      assertAcked(ack(kit, group, d.message().getOffset(), d.nonce()));
    }
  }

  @Test
  void deliversExactlyTheMatchingMessagesAndSettlesTheOthersWithoutAPull() {
    ActorRef<GroupQueue.Command> g = subscribed(testKit, queue, "a", "A");
    append(testKit, queue, mostlyOtherTags(200));

    // one message per Pull: a Pull stops after it, so only the journal can have skipped what follows
    List<GroupQueue.Delivered> got = pollUntil(testKit, g, 1, LONG_INVISIBLE, "A", count(20));
    List<Long> expected = new ArrayList<>();
    for (long o = 0; o < 200; o += 10) {
      expected.add(o);
    }
    assertEquals(expected, offsets(got));
    got.forEach(d -> assertEquals("A", d.message().getTag()));
    ackAll(testKit, g, got);
    // No Pull passes offsets 191..199: they were settled when the journal skipped them.
    awaitWatermark(testKit, g, 200);
    assertEquals(0, progress(testKit, g).inFlight());
    assertEquals(List.of(), pull(testKit, g, 50, LONG_INVISIBLE, "A").deliveries());
  }

  @Test
  void settledOffsetsAreNotRedeliveredAfterARestart(@TempDir Path restartDir) {
    String entityId = "tag-restart/0";
    ActorTestKit first = ActorTestKit.create("TagFilterRestart1", ActorsTestConfig.create(restartDir));
    try {
      ActorsTestConfig.joinSelf(first.system());
      ActorRef<Queue.Command> q = first.spawn(Queue.create(entityId, ActorsTestConfig.READ_JOURNAL));
      ActorRef<GroupQueue.Command> g = subscribed(first, q, "a", "A || C");
      append(first, q, "B", "A", "B", "B", "C", "B", "", "A");
      List<GroupQueue.Delivered> got = pollUntil(first, g, 10, LONG_INVISIBLE, "A || C", count(3));
      assertEquals(List.of(1L, 4L, 7L), offsets(got));
      ackAll(first, g, got);
      awaitWatermark(first, g, 8);
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = ActorTestKit.create("TagFilterRestart2", ActorsTestConfig.create(restartDir));
    try {
      ActorsTestConfig.joinSelf(second.system());
      ActorRef<Queue.Command> q = second.spawn(Queue.create(entityId, ActorsTestConfig.READ_JOURNAL));
      ActorRef<GroupQueue.Command> g = viaQueue(second, q, "a");
      assertEquals(8, progress(second, g).ackWatermark());
      append(second, q, "B", "C");
      // the first thing delivered after the restart is the new C: nothing below 8 comes back
      assertEquals(List.of(9L), offsets(pollUntil(second, g, 10, LONG_INVISIBLE, "A || C", count(1))));
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void offsetsTheOldFilterSkippedStaySettledWhenTheFilterChanges() {
    ActorRef<GroupQueue.Command> g = subscribed(testKit, queue, "skipped", "A");
    append(testKit, queue, "A", "B");
    ackAll(testKit, g, pollUntil(testKit, g, 10, LONG_INVISIBLE, "A", count(1)));
    awaitWatermark(testKit, g, 2);

    assertEquals(List.of(), pull(testKit, g, 10, LONG_INVISIBLE, "B").deliveries());
    append(testKit, queue, "A", "B", "");
    assertEquals(List.of(3L), offsets(pollUntil(testKit, g, 10, LONG_INVISIBLE, "B", count(1))));
  }

  @Test
  void bufferedMessagesTheNewFilterRejectsAreSettledAtThePull() {
    ActorRef<GroupQueue.Command> g = subscribed(testKit, queue, "buffered", "A");
    append(testKit, queue, "A", "A");
    List<GroupQueue.Delivered> first = pollUntil(testKit, g, 1, LONG_INVISIBLE, "A", count(1));
    assertEquals(List.of(0L), offsets(first));
    TestProbe<GroupQueue.Available> available = testKit.createTestProbe();
    g.tell(new GroupQueue.AwaitMessages(System.currentTimeMillis() + 60_000, available.getRef()));
    available.receiveMessage(WAIT); // offset 1 is in the buffer

    assertEquals(List.of(), pull(testKit, g, 10, LONG_INVISIBLE, "B").deliveries());
    ackAll(testKit, g, first);
    awaitWatermark(testKit, g, 2);
    append(testKit, queue, "B");
    assertEquals(List.of(2L), offsets(pollUntil(testKit, g, 10, LONG_INVISIBLE, "B", count(1))));
  }

  @Test
  void starReadsEveryMessageAgainAfterATagFilter() {
    ActorRef<GroupQueue.Command> g = subscribed(testKit, queue, "widening", "A");
    append(testKit, queue, "A", "B");
    assertEquals(List.of(0L), offsets(pollUntil(testKit, g, 10, LONG_INVISIBLE, "A", count(1))));
    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(WAIT, POLL, () -> {
      assertEquals(2, progress(testKit, g).readCursor(), "1 was skipped");
      return null;
    });

    assertEquals(List.of(), pull(testKit, g, 10, LONG_INVISIBLE, "*").deliveries());
    append(testKit, queue, "A", "B", "");
    assertEquals(List.of(2L, 3L, 4L), offsets(pollUntil(testKit, g, 10, LONG_INVISIBLE, "*", count(3))));
  }

  @Test
  void journalTagsAreAskedForOnlyForTagFiltersOtherThanStar() {
    assertEquals(java.util.Set.of("tag:A", "tag:B"), QueueSource.journalTagsOf(TagFilter.parse("A || B")));
    assertEquals(null, QueueSource.journalTagsOf(TagFilter.parse("*")));
    assertEquals(null, QueueSource.journalTagsOf(MessageFilter.parse(
        io.sluice.protocol.v1.FilterExpression.newBuilder()
            .setType(io.sluice.protocol.v1.FilterExpression.Type.SQL92).setExpression("a = 1").build())));
  }
}
