package io.sluice.actors.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.consume.GroupQueue;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queue on one node used through another: two actor systems in this JVM form a cluster over
 * Artery on 127.0.0.1, the queue entities live only on {@code a} (the only node with the role
 * they need), and {@code b} appends, pulls and acks through its sharding proxy, so every command
 * and reply crosses nodes through its serializer.
 */
class CrossNodeQueueTest {
  private static final String HOST_ROLE = "queues";
  private static final Duration REMOTE = Duration.ofSeconds(30);

  @TempDir static Path dirA;
  @TempDir static Path dirB;
  static ActorTestKit a;
  static ActorTestKit b;

  @BeforeAll
  static void start() {
    a = ActorTestKit.create("CrossNode", ConfigFactory.parseString("pekko.cluster.roles = [" + HOST_ROLE + "]")
        .withFallback(ActorsTestConfig.create(dirA)));
    b = ActorTestKit.create("CrossNode", ActorsTestConfig.create(dirB));
    ActorsTestConfig.joinSelf(a.system());
    Cluster.get(b.system()).manager().tell(Join.create(Cluster.get(a.system()).selfMember().address()));
    for (ActorTestKit kit : List.of(a, b)) {
      initQueues(kit.system());
      kit.createTestProbe().awaitAssert(REMOTE, () -> {
        var members = Cluster.get(kit.system()).state().getMembers();
        int up = 0;
        for (var m : members) {
          up += m.status() == MemberStatus.up() ? 1 : 0;
        }
        assertEquals(2, up);
        return null;
      });
    }
  }

  /** Queues as the node shards them, but hosted only by members with {@link #HOST_ROLE}. */
  static void initQueues(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(Queue.ENTITY_KEY,
            ctx -> Queue.create(ctx.getEntityId(), ActorsTestConfig.READ_JOURNAL))
        .withRole(HOST_ROLE));
  }

  @AfterAll
  static void stop() {
    b.shutdownTestKit();
    a.shutdownTestKit();
  }

  static Message message(String id) {
    return Message.newBuilder().setMessageId(id).setTag("t")
        .setBody(ByteString.copyFromUtf8("body of " + id)).build();
  }

  @Test
  void appendPullAndAckThroughAnotherNode() {
    String entityId = Queue.entityId("bg", "orders", 0, 0);
    EntityRef<Queue.Command> viaB = ClusterSharding.get(b.system()).entityRefFor(Queue.ENTITY_KEY, entityId);

    TestProbe<StatusReply<Queue.Appended>> appended = b.createTestProbe();
    viaB.tell(new Queue.Append(List.of(message("m-1"), message("m-2")), appended.getRef()));
    Queue.Appended stored = appended.receiveMessage(REMOTE).getValue();
    assertEquals(0, stored.firstOffset());

    TestProbe<GroupQueue.Available> available = b.createTestProbe();
    viaB.tell(new Queue.ForGroup("g", new GroupQueue.AwaitMessages(Long.MAX_VALUE, available.getRef())));
    available.expectMessage(REMOTE, GroupQueue.Available.INSTANCE);
    // a pull answers at once with what the group has read from the journal so far
    List<GroupQueue.Delivered> deliveries = new ArrayList<>();
    TestProbe<GroupQueue.Pulled> pulled = b.createTestProbe();
    pulled.awaitAssert(REMOTE, () -> {
      viaB.tell(new Queue.ForGroup("g", new GroupQueue.Pull(10, 30_000,
          FilterExpression.newBuilder().setExpression("t").build(), pulled.getRef())));
      deliveries.addAll(pulled.receiveMessage(REMOTE).deliveries());
      assertEquals(List.of("m-1", "m-2"), deliveries.stream().map(d -> d.message().getMessageId()).toList());
      return null;
    });
    assertEquals("orders", deliveries.get(0).message().getTopic());

    TestProbe<GroupQueue.Acked> acked = b.createTestProbe();
    viaB.tell(new Queue.ForGroup("g", new GroupQueue.Ack(deliveries.stream()
        .map(d -> new GroupQueue.Receipt(d.message().getOffset(), d.nonce())).toList(), acked.getRef())));
    assertEquals(List.of(), acked.receiveMessage(REMOTE).refused());

    TestProbe<GroupQueue.Progress> progress = b.createTestProbe();
    viaB.tell(new Queue.ForGroup("g", new GroupQueue.Describe(progress.getRef())));
    assertEquals(2, progress.receiveMessage(REMOTE).ackWatermark());

    // the queue ran on a, so all of the above crossed nodes
    TestProbe<ShardRegion.CurrentShardRegionState> regionState = a.createTestProbe();
    ClusterSharding.get(a.system()).shardState().tell(new GetShardRegionState(Queue.ENTITY_KEY, regionState.getRef()));
    assertTrue(regionState.receiveMessage(REMOTE).getShards().stream()
        .anyMatch(shard -> shard.getEntityIds().contains(entityId)));
  }
}
