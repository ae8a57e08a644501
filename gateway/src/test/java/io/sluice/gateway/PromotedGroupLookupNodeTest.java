package io.sluice.gateway;

import static io.sluice.gateway.NodeTests.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.ReplicaController;
import io.sluice.actors.placement.GroupPlugins;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import io.sluice.protocol.v1.AdminServiceClient;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.MessagingServiceClient;
import io.sluice.protocol.v1.QueryMessagesRequest;
import io.sluice.protocol.v1.SendRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node (group g1) carrying a replica of group g0 whose store was promoted, named g0's ACTIVE
 * master: g0's queues run here on g0's store, and message lookups for g0 read that store, not the
 * node's own. Decisions are written into Distributed Data as the controller writes them; the store
 * is promoted by hand, as the node's promotion does.
 */
class PromotedGroupLookupNodeTest {
  @TempDir Path dir;
  BrokerNode node;

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.stop();
    }
  }

  @Test
  void lookupsOfAPromotedGroupReadItsStore() throws Exception {
    node = TestNode.start(dir, "sluice.cluster.broker-group = g1\n"
        + "sluice.cluster.replication.mode = async\n"
        + "sluice.controller.groups { g0 = [g0, g1] }\n");
    MessageStore g0 = SluiceStores.get(Adapter.toClassic(node.system())).storeFor(GroupPlugins.journalOf("g0"));
    // g0's other replica never starts, so no cold-start election: an operator forces this node
    ActorRef<ReplicaController.Command> controller = ReplicaController.init(node.system());
    awaitTrue(() -> forceMaster(controller, node) instanceof ReplicaController.Accepted);
    awaitTrue(() -> GroupMasters.get(node.system()).activeMasterOf("g0")
        .equals(Optional.of(Cluster.get(node.system()).selfMember().address())));

    TopicConfig topic = new TopicConfig("orders", 1, MessageType.NORMAL, 0).withQueueGroups(List.of("g0"));
    CompletionStage<TopicRegistry.Change> created = AskPattern.ask(TopicRegistry.init(node.system()),
        replyTo -> new TopicRegistry.CreateTopic(topic, replyTo), Duration.ofSeconds(10), node.system().scheduler());
    assertTrue(created.toCompletableFuture().get(30, TimeUnit.SECONDS) instanceof TopicRegistry.Changed);

    GrpcClientSettings settings =
        GrpcClientSettings.connectToServiceAt("127.0.0.1", node.grpcPort(), node.system()).withTls(false);
    MessagingServiceClient messaging = MessagingServiceClient.create(settings, node.system());
    AdminServiceClient admin = AdminServiceClient.create(settings, node.system());
    try {
      awaitTrue(() -> {
        try {
          return messaging.send(SendRequest.newBuilder().addMessages(Message.newBuilder().setTopic("orders")
                  .setMessageId("m-1").setBody(ByteString.copyFromUtf8("in g0"))).build())
              .toCompletableFuture().get(30, TimeUnit.SECONDS).getReceipts(0).getStatus().getCode() == 0;
        } catch (Exception e) {
          return false;
        }
      });
      assertTrue(g0.highestSequenceNr(io.sluice.actors.queue.Queue.persistenceIdOf(topic.queueEntityId(0)).id()) > 0,
          "stored in g0's store");
      List<Message> found = admin.queryMessages(QueryMessagesRequest.newBuilder().setTopic("orders").setMessageId("m-1").build())
          .toCompletableFuture().get(30, TimeUnit.SECONDS).getMessagesList();
      assertEquals(List.of("in g0"), found.stream().map(m -> m.getBody().toStringUtf8()).toList());
    } finally {
      messaging.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
      admin.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Asks the controller to force this node (replica g1) master of g0; a failed ask answers null. */
  private static ReplicaController.Decision forceMaster(ActorRef<ReplicaController.Command> controller, BrokerNode node) {
    try {
      return AskPattern.<ReplicaController.Command, ReplicaController.Decision>ask(controller,
              replyTo -> new ReplicaController.ForceUncleanMaster("g0", "g1", "test: g0's first node never started", replyTo),
              Duration.ofSeconds(10), node.system().scheduler())
          .toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

}
