package io.sluice.actors.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.actors.ActorsTestConfig;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry as the node runs it: a cluster singleton keeping topics in durable Distributed Data,
 * which feeds a {@link TopicCatalog}. {@code serialize-messages} is on, so every command and reply
 * here also goes through its serializer (CBOR), as it would between nodes.
 */
class TopicRegistryTest {
  private static final Duration FIRST_REPLY = Duration.ofSeconds(30);

  @TempDir static Path dir;
  static ActorTestKit testKit;
  static ActorRef<TopicRegistry.Command> registry;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("TopicRegistryTest", ActorsTestConfig.create(dir));
    ActorsTestConfig.joinSelf(testKit.system());
    registry = TopicRegistry.init(testKit.system());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static TopicRegistry.Change call(
      ActorTestKit kit, ActorRef<TopicRegistry.Command> registry,
      Function<ActorRef<TopicRegistry.Change>, TopicRegistry.Command> command) {
    TestProbe<TopicRegistry.Change> probe = kit.createTestProbe();
    registry.tell(command.apply(probe.getRef()));
    // the first call also waits for the cluster to form and the singleton to start
    return probe.receiveMessage(FIRST_REPLY);
  }

  private static TopicRegistry.Change call(Function<ActorRef<TopicRegistry.Change>, TopicRegistry.Command> command) {
    return call(testKit, registry, command);
  }

  private static Topics changed(TopicRegistry.Change change) {
    return assertInstanceOf(TopicRegistry.Changed.class, change, () -> "expected a change, got " + change).topics();
  }

  private static void rejected(Reason reason, TopicRegistry.Change change) {
    TopicRegistry.Rejected rejected =
        assertInstanceOf(TopicRegistry.Rejected.class, change, () -> "expected a rejection, got " + change);
    assertEquals(reason, rejected.reason(), rejected.message());
  }

  private static Topics getTopics(ActorTestKit kit, ActorRef<TopicRegistry.Command> registry) {
    TestProbe<Topics> probe = kit.createTestProbe();
    registry.tell(new TopicRegistry.GetTopics(probe.getRef()));
    return probe.receiveMessage(FIRST_REPLY);
  }

  @Test
  void createGetUpdateDelete() {
    Topics before = getTopics(testKit, registry);
    TopicConfig created = new TopicConfig("crud", 4, MessageType.FIFO, 24);

    Topics afterCreate = changed(call(r -> new TopicRegistry.CreateTopic(created, r)));
    assertTrue(afterCreate.version() > before.version(), "each change has a higher version");
    assertEquals(Optional.of(created), afterCreate.get("crud"));
    // serialize-messages is in effect: the command and the reply were copied through CBOR
    assertNotSame(created, afterCreate.get("crud").orElseThrow());
    assertEquals(afterCreate, getTopics(testKit, registry));

    TopicConfig grown = new TopicConfig("crud", 16, MessageType.FIFO, 48);
    Topics afterUpdate = changed(call(r -> new TopicRegistry.UpdateTopic(grown, r)));
    assertTrue(afterUpdate.version() > afterCreate.version(), "each change has a higher version");
    assertEquals(Optional.of(grown), afterUpdate.get("crud"));

    Topics afterDelete = changed(call(r -> new TopicRegistry.DeleteTopic("crud", r)));
    assertTrue(afterDelete.version() > afterUpdate.version(), "each change has a higher version");
    assertEquals(Optional.empty(), afterDelete.get("crud"));
    assertEquals(afterDelete, getTopics(testKit, registry));

    // a deleted topic can be created again, with other settings, as its next incarnation
    TopicConfig again = new TopicConfig("crud", 1, MessageType.NORMAL, 0);
    assertEquals(Optional.of(again.withIncarnation(1)),
        changed(call(r -> new TopicRegistry.CreateTopic(again, r))).get("crud"));
  }

  @Test
  void aTopicCreatedAgainHasOtherQueuesAndAnUpdateKeepsThem() {
    TopicConfig first = changed(call(r -> new TopicRegistry.CreateTopic(
        new TopicConfig("reborn", 2, MessageType.NORMAL, 0), r))).get("reborn").orElseThrow();
    assertEquals(0, first.incarnation());
    assertEquals("reborn/1", first.queueEntityId(1), "a first incarnation keeps the ids queues always had");

    changed(call(r -> new TopicRegistry.DeleteTopic("reborn", r)));
    TopicConfig second = changed(call(r -> new TopicRegistry.CreateTopic(
        new TopicConfig("reborn", 2, MessageType.NORMAL, 0), r))).get("reborn").orElseThrow();
    assertEquals(1, second.incarnation());
    assertEquals("reborn@1/1", second.queueEntityId(1));
    assertEquals("reborn", io.sluice.actors.queue.Queue.topicOf(second.queueEntityId(1)));

    TopicConfig grown = changed(call(r -> new TopicRegistry.UpdateTopic(
        new TopicConfig("reborn", 4, MessageType.NORMAL, 0), r))).get("reborn").orElseThrow();
    assertEquals(1, grown.incarnation(), "an update is the same incarnation");

    changed(call(r -> new TopicRegistry.DeleteTopic("reborn", r)));
    assertEquals(2, changed(call(r -> new TopicRegistry.CreateTopic(
        new TopicConfig("reborn", 2, MessageType.NORMAL, 0), r))).get("reborn").orElseThrow().incarnation());
  }

  @Test
  void invalidChangesAreRejectedAndChangeNothing() {
    TopicConfig orders = new TopicConfig("orders", 8, MessageType.NORMAL, 0);
    changed(call(r -> new TopicRegistry.CreateTopic(orders, r)));
    Topics before = getTopics(testKit, registry);

    rejected(Reason.TOPIC_EXISTS, call(r -> new TopicRegistry.CreateTopic(
        new TopicConfig("orders", 2, MessageType.FIFO, 0), r)));
    rejected(Reason.TOPIC_NOT_FOUND, call(r -> new TopicRegistry.UpdateTopic(
        new TopicConfig("no-such-topic", 8, MessageType.NORMAL, 0), r)));
    rejected(Reason.TOPIC_NOT_FOUND, call(r -> new TopicRegistry.DeleteTopic("no-such-topic", r)));
    // the queue count can only grow
    rejected(Reason.INVALID_ARGUMENT, call(r -> new TopicRegistry.UpdateTopic(
        new TopicConfig("orders", 7, MessageType.NORMAL, 0), r)));
    // the message type cannot change
    rejected(Reason.MESSAGE_TYPE_MISMATCH, call(r -> new TopicRegistry.UpdateTopic(
        new TopicConfig("orders", 8, MessageType.TRANSACTION, 0), r)));
    rejected(Reason.MESSAGE_TYPE_MISMATCH, call(r -> new TopicRegistry.UpdateTopic(
        new TopicConfig("orders", 9, MessageType.DELAY, 0), r)));

    assertEquals(before, getTopics(testKit, registry), "rejected commands must not change anything");

    // the same queue count (only the retention changes) is allowed
    TopicConfig retained = new TopicConfig("orders", 8, MessageType.NORMAL, 12);
    assertEquals(Optional.of(retained),
        changed(call(r -> new TopicRegistry.UpdateTopic(retained, r))).get("orders"));
  }

  @Test
  void changesReachTheCatalogFeed() {
    TopicCatalog catalog = new TopicCatalog();
    TestProbe<Object> waiter = testKit.createTestProbe();
    testKit.spawn(TopicCatalogFeed.create(catalog));
    Topics created = changed(call(r -> new TopicRegistry.CreateTopic(
        new TopicConfig("fed", 2, MessageType.NORMAL, 1), r)));
    waiter.awaitAssert(FIRST_REPLY, () -> {
      assertEquals(created, catalog.snapshot());
      return null;
    });

    Topics afterDelete = changed(call(r -> new TopicRegistry.DeleteTopic("fed", r)));
    waiter.awaitAssert(FIRST_REPLY, () -> {
      assertEquals(afterDelete, catalog.snapshot());
      return null;
    });
    assertEquals(Optional.empty(), catalog.get("fed"));
  }

  @Test
  void ensureTopicCreatesOnceAndAnswersWithTheTopic() {
    TopicConfig dlq = new TopicConfig("%DLQ%ensure", 1, MessageType.NORMAL, 0);
    Topics first = changed(call(r -> new TopicRegistry.EnsureTopic(dlq, r)));
    Topics again = changed(call(r -> new TopicRegistry.EnsureTopic(dlq, r)));
    assertEquals(first.get(dlq.name()), again.get(dlq.name()));
    assertEquals(first.version(), again.version(), "nothing written the second time");
  }

  @Test
  void stateSurvivesARestartOfTheActorSystem(@TempDir Path restartDir) {
    Topics expected;
    ActorTestKit first = ActorTestKit.create("TopicRegistryRestart1", ActorsTestConfig.create(restartDir));
    try {
      ActorsTestConfig.joinSelf(first.system());
      ActorRef<TopicRegistry.Command> reg = TopicRegistry.init(first.system());
      changed(call(first, reg, r -> new TopicRegistry.CreateTopic(new TopicConfig("a", 2, MessageType.NORMAL, 0), r)));
      changed(call(first, reg, r -> new TopicRegistry.CreateTopic(new TopicConfig("b", 4, MessageType.FIFO, 6), r)));
      changed(call(first, reg, r -> new TopicRegistry.CreateTopic(new TopicConfig("c", 1, MessageType.DELAY, 0), r)));
      changed(call(first, reg, r -> new TopicRegistry.UpdateTopic(new TopicConfig("a", 3, MessageType.NORMAL, 5), r)));
      expected = changed(call(first, reg, r -> new TopicRegistry.DeleteTopic("c", r)));
    } finally {
      first.shutdownTestKit();
    }
    assertEquals(
        Map.of("a", new TopicConfig("a", 3, MessageType.NORMAL, 5), "b", new TopicConfig("b", 4, MessageType.FIFO, 6)),
        expected.byName());

    ActorTestKit second = ActorTestKit.create("TopicRegistryRestart2", ActorsTestConfig.create(restartDir));
    try {
      ActorsTestConfig.joinSelf(second.system());
      ActorRef<TopicRegistry.Command> reg = TopicRegistry.init(second.system());
      assertEquals(expected, getTopics(second, reg));

      // a node's catalog gets the recovered topics from its replica
      TopicCatalog catalog = new TopicCatalog();
      second.spawn(TopicCatalogFeed.create(catalog));
      TestProbe<Object> waiter = second.createTestProbe();
      waiter.awaitAssert(FIRST_REPLY, () -> {
        assertEquals(expected, catalog.snapshot());
        return null;
      });

      // the recovered rules still apply, and versions continue
      rejected(Reason.TOPIC_EXISTS, call(second, reg,
          r -> new TopicRegistry.CreateTopic(new TopicConfig("b", 4, MessageType.FIFO, 6), r)));
      rejected(Reason.INVALID_ARGUMENT, call(second, reg,
          r -> new TopicRegistry.UpdateTopic(new TopicConfig("a", 2, MessageType.NORMAL, 5), r)));
      Topics next = changed(call(second, reg,
          r -> new TopicRegistry.CreateTopic(new TopicConfig("c", 1, MessageType.NORMAL, 0), r)));
      assertTrue(next.version() > expected.version(), "versions continue");
    } finally {
      second.shutdownTestKit();
    }
  }
}
