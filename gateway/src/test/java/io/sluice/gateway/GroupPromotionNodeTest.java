package io.sluice.gateway;

import static io.sluice.gateway.NodeTests.awaitTrue;
import static io.sluice.gateway.NodeTests.rawLog;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.delay.DelayTimer;
import io.sluice.actors.placement.GroupPlugins;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.gateway.replication.ReplicationStatus;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreRole;
import io.sluice.protocol.v1.AckRequest;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.EndTransactionRequest;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.MessagingServiceClient;
import io.sluice.protocol.v1.QueueRef;
import io.sluice.protocol.v1.ReceiptResult;
import io.sluice.protocol.v1.ReceiveRequest;
import io.sluice.protocol.v1.SendReceipt;
import io.sluice.protocol.v1.SendRequest;
import io.sluice.protocol.v1.TransactionRef;
import io.sluice.protocol.v1.TransactionResolution;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover through the replica controller (shared/CLUSTER.md 4.2, 4.6): broker group g1 is
 * replicated on node A (group g1, preferred) and node B (group g2). The controller elects A once
 * both reported; A writes (messages, a consumer group's acks, a pending delayed message, a prepared
 * transaction). A stops; the controller promotes B's replica (epoch 2), and g1's entities run on B
 * on the replicated log with the master's state, and take new writes.
 *
 * <p>B also carries g1's cluster role from its start, standing in for step 3's allocation: the
 * oldest member claiming a group serves it, so A serves g1 while it is up and B after it left.
 */
class GroupPromotionNodeTest {
  private static final String ORDERS = "orders";
  private static final String LATER = "later";
  private static final String PAYMENTS = "payments";

  @TempDir Path dirA;
  @TempDir Path dirB;
  BrokerNode a;
  BrokerNode b;
  MessagingServiceClient clientA;
  MessagingServiceClient clientB;

  @AfterEach
  void stop() throws Exception {
    for (MessagingServiceClient client : new MessagingServiceClient[] {clientA, clientB}) {
      if (client != null) {
        client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    }
    if (b != null) {
      b.stop();
    }
    if (a != null) {
      a.stop();
    }
  }

  private static final String REPLICATED =
      "sluice.controller.groups { g1 = [g1, g2] }\nsluice.cluster.replication.mode = async\n";

  @Test
  void theControllerPromotesTheReplicaWhenTheMasterStopsAndItsEntitiesRunThereWithTheMastersState()
      throws Exception {
    a = TestNode.start(dirA, "sluice.cluster.broker-group = g1\n" + REPLICATED);
    clientA = client(a);
    createTopic(ORDERS, MessageType.NORMAL);
    createTopic(LATER, MessageType.DELAY);
    createTopic(PAYMENTS, MessageType.TRANSACTION);
    b = TestNode.start(dirB, "sluice.cluster.broker-group = g2\n" + REPLICATED
        + "pekko.cluster.roles = [\"broker-group:g1\"]\n"
        + "pekko.cluster.seed-nodes = [\"" + Cluster.get(a.system()).selfMember().address() + "\"]\n");

    for (int i = 0; i < 10; i++) {
      Message.Builder message = Message.newBuilder().setTopic(ORDERS).setBody(ByteString.copyFromUtf8("m-" + i));
      awaitTrue(() -> send(clientA, message).getStatus().getCode() == 0);
    }
    List<Delivery> delivered = new ArrayList<>();
    awaitTrue(() -> {
      delivered.addAll(receiveOrNone(clientA, ORDERS, "readers"));
      return delivered.size() >= 10;
    });
    assertEquals(10, delivered.size());
    List<String> receipts = new ArrayList<>();
    for (Delivery d : delivered) {
      if (d.getMessage().getOffset() < 6) {
        receipts.add(d.getReceiptHandle());
      }
    }
    for (ReceiptResult r : get(clientA.ack(AckRequest.newBuilder().setGroup("readers").setTopic(ORDERS)
        .addAllReceiptHandles(receipts).build())).getResultsList()) {
      assertEquals(0, r.getStatus().getCode(), r.toString());
    }
    // far enough ahead that A stops first on a slow machine; B waits for it after the promotion
    long deliverAt = System.currentTimeMillis() + 30_000;
    assertOk(send(clientA, Message.newBuilder().setTopic(LATER).setMessageId("late-1")
        .setBody(ByteString.copyFromUtf8("delayed")).setDeliverAtMs(deliverAt)));
    assertOk(send(clientA, Message.newBuilder().setTopic(PAYMENTS).setBody(ByteString.copyFromUtf8("paid"))
        .setTransaction(TransactionRef.newBuilder().setTransactionId("tx-1").setProducerGroup("pay"))));

    MessageStore master = SluiceStores.get(Adapter.toClassic(a.system())).storeFor(GroupPlugins.journalOf("g1"));
    MessageStore replica = SluiceStores.get(Adapter.toClassic(b.system())).storeFor(GroupPlugins.journalOf("g1"));
    // the fetcher writes into the store g1's plugins hand out: one instance per directory
    assertSame(ReplicationStatus.get(b.system()).groups().get("g1").store(), replica);
    awaitTrue(() -> replica.confirmedPosition() == master.confirmedPosition());
    assertArrayEquals(rawLog(master), rawLog(replica));
    assertEquals(StoreRole.REPLICA, replica.role());
    assertEquals(StoreRole.MASTER, master.role());
    assertEquals(1, master.epochs().last().orElseThrow().epoch(), "the cold start elected A in epoch 1");

    clientA.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    clientA = null;
    a.stop();
    a = null;
    assertTrue(System.currentTimeMillis() < deliverAt, "the delayed message was due before A stopped");
    assertEquals(0, replica.highestSequenceNr(Queue.persistenceIdOf(Queue.entityId("g1", LATER, 0, 0)).id()),
        "the delayed message fired on A");

    // the controller moves to B, finds A gone and elects the in-sync replica that reports: B
    awaitTrue(() -> GroupMasters.get(b.system()).activeMasterOf("g1")
        .equals(Optional.of(Cluster.get(b.system()).selfMember().address())));
    assertEquals(StoreRole.MASTER, replica.role());
    long epoch = 2;
    assertEquals(epoch, GroupMasters.get(b.system()).stateOf("g1").orElseThrow().epoch());
    clientB = client(b);

    // the group's acked offset: only what A delivered and nobody acked comes again
    List<String> again = new ArrayList<>();
    awaitTrue(() -> {
      receiveOrNone(clientB, ORDERS, "readers").forEach(d -> again.add(d.getMessage().getBody().toStringUtf8()));
      return again.size() >= 4;
    });
    assertEquals(List.of("m-6", "m-7", "m-8", "m-9"), again);

    // the pending delayed message fires from the timer's replicated log (its node wakes it)
    ClusterSharding.get(b.system()).entityRefFor(DelayTimer.ENTITY_KEY, Queue.entityId("g1", LATER, 0, 0))
        .tell(DelayTimer.Wake.INSTANCE);
    List<String> late = new ArrayList<>();
    awaitTrue(() -> {
      receiveOrNone(clientB, LATER, "delayed-readers").forEach(d -> late.add(d.getMessage().getMessageId()));
      return !late.isEmpty();
    });
    assertEquals(List.of("late-1"), late);
    assertTrue(System.currentTimeMillis() >= deliverAt, "delivered early");

    // the prepared transaction is in the replicated transaction log and commits once
    get(clientB.endTransaction(EndTransactionRequest.newBuilder().setProducerGroup("pay").setTransactionId("tx-1")
        .setResolution(TransactionResolution.COMMIT).addQueues(QueueRef.newBuilder().setTopic(PAYMENTS).setQueueId(0))
        .build()));
    List<String> paid = new ArrayList<>();
    awaitTrue(() -> {
      receiveOrNone(clientB, PAYMENTS, "payers").forEach(d -> paid.add(d.getMessage().getBody().toStringUtf8()));
      return !paid.isEmpty();
    });
    assertEquals(List.of("paid"), paid);
    assertEquals(epoch, replica.epochs().last().orElseThrow().epoch());

    // writes resume on the promoted replica
    SendReceipt after = send(clientB, Message.newBuilder().setTopic(ORDERS).setBody(ByteString.copyFromUtf8("m-10")));
    assertOk(after);
    assertEquals(10, after.getOffset());
  }

  private void createTopic(String name, MessageType type) throws Exception {
    TopicConfig topic = new TopicConfig(name, 1, type, 0).withQueueGroups(List.of("g1"));
    CompletionStage<TopicRegistry.Change> created = AskPattern.ask(TopicRegistry.init(a.system()),
        replyTo -> new TopicRegistry.CreateTopic(topic, replyTo), Duration.ofSeconds(10), a.system().scheduler());
    assertTrue(get(created) instanceof TopicRegistry.Changed);
  }

  private static MessagingServiceClient client(BrokerNode node) {
    return MessagingServiceClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", node.grpcPort(), node.system()).withTls(false),
        node.system());
  }

  private static SendReceipt send(MessagingServiceClient client, Message.Builder message) {
    try {
      return get(client.send(SendRequest.newBuilder().addMessages(message).build())).getReceipts(0);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<Delivery> receive(MessagingServiceClient client, String topic, String group) throws Exception {
    return get(client.receive(ReceiveRequest.newBuilder().setGroup(group).setTopic(topic).setMaxMessages(100)
        .setInvisibleDurationMs(60_000).setWaitMs(2_000).build())).getDeliveriesList();
  }

  /** What one long poll gets; nothing while the queue's group has no serving node yet. */
  private static List<Delivery> receiveOrNone(MessagingServiceClient client, String topic, String group) {
    try {
      return receive(client, topic, group);
    } catch (Exception e) {
      return List.of();
    }
  }

  private static void assertOk(SendReceipt receipt) {
    assertEquals(0, receipt.getStatus().getCode(), receipt.toString());
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }


}
