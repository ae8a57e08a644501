package io.sluice.gateway;

import static io.sluice.gateway.NodeTests.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.MessagingServiceClient;
import io.sluice.protocol.v1.ReceiveRequest;
import io.sluice.protocol.v1.SendReceipt;
import io.sluice.protocol.v1.SendRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose group g1 is replicated serves it only once the controller names it ACTIVE master,
 * and then wakes g1's delay timers (a timer must fire without a message): a delayed message stored
 * before a restart is delivered after the node becomes master again, though nothing was sent to its
 * timer. Decisions are written into Distributed Data as the controller writes them.
 */
class ReplicatedGroupWakeNodeTest {
  private static final String CONFIG = "sluice.cluster.broker-group = g1\nsluice.cluster.replication.mode = async\n"
      + "sluice.controller.groups { g1 = [g1] }\n";
  private static final String LATER = "later";

  @TempDir Path dir;
  BrokerNode node;
  MessagingServiceClient client;

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (node != null) {
      node.stop();
    }
  }

  @Test
  void aPromotedGroupsTimersAreWokenWhenItBecomesActiveHere() throws Exception {
    node = TestNode.start(dir, CONFIG);
    client = client(node);
    awaitActiveHere();
    TopicConfig topic = new TopicConfig(LATER, 1, MessageType.DELAY, 0).withQueueGroups(List.of("g1"));
    CompletionStage<TopicRegistry.Change> created = AskPattern.ask(TopicRegistry.init(node.system()),
        replyTo -> new TopicRegistry.CreateTopic(topic, replyTo), Duration.ofSeconds(10), node.system().scheduler());
    assertTrue(created.toCompletableFuture().get(30, TimeUnit.SECONDS) instanceof TopicRegistry.Changed);
    long deliverAt = System.currentTimeMillis() + 3_000;
    awaitTrue(() -> send(Message.newBuilder().setTopic(LATER).setMessageId("late-1")
        .setBody(ByteString.copyFromUtf8("delayed")).setDeliverAtMs(deliverAt)).getStatus().getCode() == 0);

    client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    node.stop();
    node = TestNode.start(dir, CONFIG);
    client = client(node);
    // the controller's decisions are not durable: after the restart g1 waits for its cold-start election
    awaitActiveHere();
    List<String> late = new ArrayList<>();
    awaitTrue(() -> {
      receiveOrNone().forEach(d -> late.add(d.getMessage().getMessageId()));
      return !late.isEmpty();
    });
    assertEquals(List.of("late-1"), late);
    assertTrue(System.currentTimeMillis() >= deliverAt, "delivered early");
  }

  /** Waits until the controller elected this node, g1's only replica, and the node sees it ACTIVE. */
  private void awaitActiveHere() throws Exception {
    GroupMasters masters = GroupMasters.get(node.system());
    awaitTrue(() -> masters.activeMasterOf("g1").equals(Optional.of(Cluster.get(node.system()).selfMember().address())));
  }

  private static MessagingServiceClient client(BrokerNode node) {
    return MessagingServiceClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", node.grpcPort(), node.system()).withTls(false),
        node.system());
  }

  private SendReceipt send(Message.Builder message) {
    try {
      return client.send(SendRequest.newBuilder().addMessages(message).build())
          .toCompletableFuture().get(30, TimeUnit.SECONDS).getReceipts(0);
    } catch (Exception e) {
      return SendReceipt.newBuilder().setStatus(io.sluice.protocol.v1.ItemStatus.newBuilder().setCode(14)).build();
    }
  }

  private List<Delivery> receiveOrNone() {
    try {
      return client.receive(ReceiveRequest.newBuilder().setGroup("readers").setTopic(LATER).setMaxMessages(10)
          .setInvisibleDurationMs(60_000).setWaitMs(1_000).build()).toCompletableFuture().get(30, TimeUnit.SECONDS)
          .getDeliveriesList();
    } catch (Exception e) {
      return List.of();
    }
  }

}
