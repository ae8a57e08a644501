package io.sluice.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.gateway.cluster.BrokerGroupIdentity;
import io.sluice.gateway.cluster.NodeCatalog;
import io.sluice.gateway.cluster.QueueAvailability;
import io.sluice.gateway.consume.ConsumeSession;
import io.sluice.gateway.consume.GroupQueues;
import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ConsumeResponse;
import io.sluice.protocol.v1.Credit;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.StartPosition;
import io.sluice.protocol.v1.Subscribe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consume stream whose topic has a queue in broker group {@code late}, unavailable when the
 * stream subscribes (availability is switched by the test; the node carries the group, so the
 * queue can run once it is "back"): the stream serves the other queue meanwhile, and delivers the
 * late queue's messages from its start position once it is available, without a new subscription.
 */
class ConsumeResumeNodeTest {
  private static final String TOPIC = "resume";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir static Path dir;
  static BrokerNode node;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dir, "pekko.cluster.roles = [\"broker-group:late\"]");
  }

  @AfterAll
  static void stop() throws Exception {
    node.stop();
  }

  @Test
  void servesTheAvailableQueueAndResumesTheOtherWhenItIsBack() throws Exception {
    ActorSystem<Void> system = node.system();
    String ownGroup = Files.readString(dir.resolve(BrokerGroupIdentity.FILE_NAME)).trim();
    TopicConfig topic = createTopic(system, new TopicConfig(TOPIC, 2, MessageType.NORMAL, 0)
        .withQueueGroups(List.of(ownGroup, "late")));
    append(system, topic, 0, "on-queue-0");
    append(system, topic, 1, "on-queue-1");

    AtomicBoolean lateBack = new AtomicBoolean(false);
    GroupQueues groups = new GroupQueues(system, NodeCatalog.get(system).catalog(), Duration.ofSeconds(10),
        QueueAvailability.of(group -> !group.equals("late") || lateBack.get()));
    Pair<BoundedSourceQueue<ConsumeResponse>, Source<ConsumeResponse, NotUsed>> out =
        Source.<ConsumeResponse>queue(1024).preMaterialize(system);
    ActorRef<ConsumeSession.Command> session = system.systemActorOf(ConsumeSession.create(out.first(),
            new ConsumeSession.Dependencies(NodeCatalog.get(system).catalog(), groups,
                GatewaySettings.from(system.settings().config()))),
        "resume-session", Props.empty());
    LinkedBlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
    out.second().runWith(Sink.foreach(response -> {
      if (response.hasDeliveries()) {
        session.tell(ConsumeSession.DeliveriesTaken.INSTANCE);
        deliveries.addAll(response.getDeliveries().getDeliveriesList());
      }
    }), system).whenComplete((done, failure) -> {
      if (failure != null) {
        failures.add(failure);
      }
    });
    ActorRef<ConsumeSession.StreamAck> acks = system.systemActorOf(Behaviors.ignore(), "resume-acks", Props.empty());
    session.tell(new ConsumeSession.FromClient(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
        .setGroup("resumers").setTopic(TOPIC).setStartPosition(StartPosition.EARLIEST)
        .setInvisibleDurationMs(60_000)).build(), acks));
    session.tell(new ConsumeSession.FromClient(
        ConsumeRequest.newBuilder().setCredit(Credit.newBuilder().setMessages(100)).build(), acks));

    Delivery first = deliveries.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertNotNull(first, "nothing delivered while queue 1 was unavailable; stream failure: " + failures.peek());
    assertEquals("on-queue-0", first.getMessage().getMessageId());

    lateBack.set(true);
    Delivery resumed = deliveries.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertNotNull(resumed, "queue 1 was not resumed; stream failure: " + failures.peek());
    assertEquals("on-queue-1", resumed.getMessage().getMessageId());
    assertEquals(0, resumed.getMessage().getOffset(), "the position started at EARLIEST when the queue came back");
    assertTrue(failures.isEmpty(), String.valueOf(failures.peek()));
  }

  private static TopicConfig createTopic(ActorSystem<?> system, TopicConfig config) throws Exception {
    ActorRef<TopicRegistry.Command> registry = TopicRegistry.init(system);
    AskPattern.<TopicRegistry.Command, TopicRegistry.Change>ask(registry,
            replyTo -> new TopicRegistry.CreateTopic(config, replyTo), WAIT, system.scheduler())
        .toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    // the node's catalog learns the topic from its replicated copy of the registry
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (NodeCatalog.get(system).catalog().get(config.name()).isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "the topic never reached the node's catalog");
      TimeUnit.MILLISECONDS.sleep(50);
    }
    return NodeCatalog.get(system).catalog().get(config.name()).orElseThrow();
  }

  private static void append(ActorSystem<?> system, TopicConfig topic, int queueId, String id) throws Exception {
    Message message = Message.newBuilder().setTopic(topic.name()).setMessageId(id).setBody(ByteString.copyFromUtf8(id)).build();
    ClusterSharding.get(system).entityRefFor(Queue.ENTITY_KEY, topic.queueEntityId(queueId))
        .<Queue.Appended>askWithStatus(replyTo -> new Queue.Append(List.of(message), true, replyTo), WAIT)
        .toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }
}
