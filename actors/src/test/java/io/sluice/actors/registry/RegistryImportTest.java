package io.sluice.actors.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.ConfigFactory;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.CborSerializable;
import io.sluice.actors.LocalOnly;
import io.sluice.actors.consume.RetryPolicy;
import io.sluice.actors.group.ConsumerGroupRegistry;
import io.sluice.actors.group.PolicyJournal;
import io.sluice.actors.group.RetryPolicies;
import io.sluice.actors.placement.BrokerGroups;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicJournal;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.actors.topic.Topics;
import io.sluice.protocol.v1.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single node upgraded in place: its journal holds the event-sourced registries of before
 * Distributed Data; its first start imports every topic, deleted name and retry policy (queues
 * placed in the node's broker group), and later starts import nothing again.
 */
class RegistryImportTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final RetryPolicy POLICY = new RetryPolicy(5, List.of(500L));

  /** Writes events under a persistence id, as the old registries did. */
  private static final class OldRegistry extends EventSourcedBehavior<OldRegistry.Write, CborSerializable, Integer> {
    /** Sent within the test's node only: it needs no serializer under serialize-messages. */
    record Write(List<CborSerializable> events, ActorRef<Done> replyTo) implements LocalOnly {}

    OldRegistry(String persistenceId) {
      super(PersistenceId.ofUniqueId(persistenceId));
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<Write, CborSerializable, Integer> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onCommand(Write.class, (state, cmd) -> Effect().persist(cmd.events()).thenReply(cmd.replyTo(), s -> Done.getInstance()))
          .build();
    }

    @Override
    public EventHandler<Integer, CborSerializable> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((state, e) -> state + 1);
    }
  }

  private static ActorTestKit node(Path dir, String name) {
    ActorTestKit kit = ActorTestKit.create(name, ConfigFactory.parseString(
        "pekko.cluster.roles = [\"" + BrokerGroups.roleOf("g1") + "\"]").withFallback(ActorsTestConfig.create(dir)));
    ActorsTestConfig.joinSelf(kit.system());
    return kit;
  }

  private static void writeOld(ActorTestKit kit, String persistenceId, List<CborSerializable> events) {
    TestProbe<Done> probe = kit.createTestProbe();
    kit.spawn(new OldRegistry(persistenceId)).tell(new OldRegistry.Write(events, probe.getRef()));
    probe.receiveMessage(WAIT);
  }

  private static int importAll(ActorTestKit kit) throws Exception {
    int topics = TopicJournal.importInto(kit.system(), TopicRegistry.init(kit.system()), "g1", WAIT)
        .toCompletableFuture().get();
    int policies = PolicyJournal.importInto(kit.system(), ConsumerGroupRegistry.init(kit.system()), WAIT)
        .toCompletableFuture().get();
    return topics + policies;
  }

  private static Topics topics(ActorTestKit kit) {
    TestProbe<Topics> probe = kit.createTestProbe();
    TopicRegistry.init(kit.system()).tell(new TopicRegistry.GetTopics(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private static RetryPolicies policies(ActorTestKit kit) {
    TestProbe<RetryPolicies> probe = kit.createTestProbe();
    ConsumerGroupRegistry.init(kit.system()).tell(new ConsumerGroupRegistry.GetRetryPolicies(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private static TopicRegistry.Change call(ActorTestKit kit, java.util.function.Function<ActorRef<TopicRegistry.Change>,
      TopicRegistry.Command> command) {
    TestProbe<TopicRegistry.Change> probe = kit.createTestProbe();
    TopicRegistry.init(kit.system()).tell(command.apply(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  @Test
  void theFirstStartImportsTheJournalRegistriesOnce(@TempDir Path dir) throws Exception {
    ActorTestKit old = node(dir, "BeforeUpgrade");
    try {
      writeOld(old, "topic-registry", List.of(
          new TopicRegistry.TopicCreated(new TopicConfig("orders", 4, MessageType.NORMAL, 0)),
          new TopicRegistry.TopicCreated(new TopicConfig("gone", 1, MessageType.NORMAL, 0)),
          new TopicRegistry.TopicDeleted("gone"),
          new TopicRegistry.TopicCreated(new TopicConfig("fifo", 2, MessageType.FIFO, 0)),
          new TopicRegistry.TopicUpdated(new TopicConfig("orders", 6, MessageType.NORMAL, 0))));
      writeOld(old, "consumer-group-registry", List.of(new ConsumerGroupRegistry.RetryPolicySet("billing", POLICY)));
    } finally {
      old.shutdownTestKit();
    }

    ActorTestKit upgraded = node(dir, "Upgraded");
    try {
      assertEquals(4, importAll(upgraded), "3 topic names (one deleted) and 1 policy");
      Topics topics = topics(upgraded);
      assertEquals(Set.of("orders", "fifo"), topics.byName().keySet());
      TopicConfig orders = topics.get("orders").orElseThrow();
      assertEquals(6, orders.queueCount());
      assertEquals(Collections.nCopies(6, "g1"), orders.queueGroups(), "placed where the data is");
      assertEquals(MessageType.FIFO, topics.get("fifo").orElseThrow().messageType());
      assertEquals(POLICY, policies(upgraded).of("billing"));
      TopicRegistry.Change again = call(upgraded,
          r -> new TopicRegistry.CreateTopic(new TopicConfig("gone", 1, MessageType.NORMAL, 0), r));
      assertEquals(1, assertInstanceOf(TopicRegistry.Changed.class, again).topics().get("gone").orElseThrow().incarnation(),
          "the deleted name's incarnation was imported");
      assertInstanceOf(TopicRegistry.Changed.class, call(upgraded, r -> new TopicRegistry.DeleteTopic("orders", r)));
    } finally {
      upgraded.shutdownTestKit();
    }

    ActorTestKit restarted = node(dir, "Restarted");
    try {
      assertEquals(0, importAll(restarted), "imported once");
      assertEquals(Set.of("fifo", "gone"), topics(restarted).byName().keySet(), "a topic deleted after the import stays deleted");
      assertEquals(POLICY, policies(restarted).of("billing"));
    } finally {
      restarted.shutdownTestKit();
    }
  }
}
