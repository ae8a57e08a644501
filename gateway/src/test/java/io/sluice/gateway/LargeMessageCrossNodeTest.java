package io.sluice.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sluice.actors.consume.GroupQueue;
import io.sluice.actors.queue.Queue;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's Artery settings ({@code application.conf}) carry the largest messages the gateway
 * accepts between nodes: two actor systems with the node's configuration form a cluster, the queue
 * lives on {@code a} only, and {@code b} appends 16 MiB (the largest request) in one append and
 * pulls 4 MiB messages back. With Artery's default frame sizes both would be dropped as oversized.
 */
class LargeMessageCrossNodeTest {
  private static final String HOST_ROLE = "queues";
  private static final Duration REMOTE = Duration.ofSeconds(60);
  private static final int MESSAGE_BYTES = (4 << 20) - 1024;

  @TempDir static Path dirA;
  @TempDir static Path dirB;
  static ActorSystem<Void> a;
  static ActorSystem<Void> b;

  static Config nodeConfig(Path dir, String roles) {
    return ConfigFactory.load(ConfigFactory.parseString(
            "sluice.data-dir = \"" + dir.toString().replace("\\", "/") + "\"\n"
                + "pekko.remote.artery.canonical.port = 0\n"
                + "pekko.cluster.roles = [" + roles + "]\n"
                + "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
                + "pekko.coordinated-shutdown.exit-jvm = off\n"
                + "pekko.actor.serialize-messages = on\n")
        .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  }

  @BeforeAll
  static void start() {
    a = ActorSystem.create(Behaviors.empty(), "LargeMessages", nodeConfig(dirA, HOST_ROLE));
    b = ActorSystem.create(Behaviors.empty(), "LargeMessages", nodeConfig(dirB, ""));
    Cluster.get(a).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
    Cluster.get(b).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
    for (ActorSystem<?> system : List.of(a, b)) {
      // b has no queues of its own: its region only forwards to a's
      ClusterSharding.get(system).init(Entity.of(Queue.ENTITY_KEY,
              ctx -> Queue.create(ctx.getEntityId(), BrokerNode.READ_JOURNAL))
          .withRole(HOST_ROLE));
    }
  }

  @AfterAll
  static void stop() {
    b.terminate();
    a.terminate();
    b.getWhenTerminated().toCompletableFuture().join();
    a.getWhenTerminated().toCompletableFuture().join();
  }

  static Message message(String id) {
    return Message.newBuilder().setMessageId(id).setBody(ByteString.copyFrom(new byte[MESSAGE_BYTES])).build();
  }

  @Test
  void sixteenMebibytesCrossInOneAppendAndLargeMessagesComeBack() throws Exception {
    EntityRef<Queue.Command> viaB =
        ClusterSharding.get(b).entityRefFor(Queue.ENTITY_KEY, Queue.entityId("bg", "big", 0, 0));
    List<Message> batch = List.of(message("m-0"), message("m-1"), message("m-2"), message("m-3"));
    long batchBytes = batch.stream().mapToLong(Message::getSerializedSize).sum();
    assertTrue(batchBytes > (16L << 20) - 8192, "batch of " + batchBytes + " bytes");

    Queue.Appended appended = viaB.<Queue.Appended>askWithStatus(
        replyTo -> new Queue.Append(batch, replyTo), REMOTE).toCompletableFuture().get(2, TimeUnit.MINUTES);
    assertEquals(0, appended.firstOffset());
    assertEquals(4, appended.endOffset(batch.size()));

    // each pull answers with what the group has read so far (its read-ahead holds about 4 MiB)
    List<String> pulled = new ArrayList<>();
    long deadline = System.nanoTime() + REMOTE.toNanos();
    while (pulled.size() < batch.size() && System.nanoTime() < deadline) {
      GroupQueue.Pulled reply = viaB.<GroupQueue.Pulled>ask(
          replyTo -> new Queue.ForGroup("g", new GroupQueue.Pull(10, 16L << 20, true, 60_000,
              FilterExpression.getDefaultInstance(), false, replyTo)), REMOTE)
          .toCompletableFuture().get(2, TimeUnit.MINUTES);
      for (GroupQueue.Delivered d : reply.deliveries()) {
        assertEquals(MESSAGE_BYTES, d.message().getBody().size());
        pulled.add(d.message().getMessageId());
      }
      if (reply.deliveries().isEmpty()) {
        viaB.<GroupQueue.Available>ask(replyTo -> new Queue.ForGroup("g",
                new GroupQueue.AwaitMessages(System.currentTimeMillis() + 5_000, replyTo)), Duration.ofSeconds(10))
            .toCompletableFuture().exceptionally(timeout -> GroupQueue.Available.INSTANCE).get();
      }
    }
    assertEquals(List.of("m-0", "m-1", "m-2", "m-3"), pulled);
  }
}
