package io.sluice.gateway;

import static io.sluice.gateway.NodeTests.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.GroupState;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import io.sluice.protocol.v1.AckRequest;
import io.sluice.protocol.v1.ChangeInvisibleDurationRequest;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.MessagingServiceClient;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.ReceiptResult;
import io.sluice.protocol.v1.ReceiveRequest;
import io.sluice.protocol.v1.SendRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Receipt handles carry their broker group's epoch (shared/CLUSTER.md 4.9): g1 = [g1, g2], n1
 * masters g1 in epoch 1 and delivers a message; a planned switch makes n2 master in epoch 2. The
 * receipt of before is refused INVALID_RECEIPT saying it is of epoch 1, on ack and on a change of
 * its invisible time; the message comes again from n2 and its new receipt acks.
 */
class ReceiptEpochNodeTest {
  private static final String TOPIC = "receipts";
  private static final String GROUP = "readers";

  @TempDir Path dir1;
  @TempDir Path dir2;
  BrokerNode n1;
  BrokerNode n2;
  MessagingServiceClient client1;
  MessagingServiceClient client2;

  @AfterEach
  void stop() throws Exception {
    for (MessagingServiceClient client : new MessagingServiceClient[] {client1, client2}) {
      if (client != null) {
        client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    }
    if (n2 != null) {
      n2.stop();
    }
    if (n1 != null) {
      n1.stop();
    }
  }

  @Test
  void aReceiptFromBeforeAFailoverIsRefusedByItsEpochAndTheNewDeliveryAcks() throws Exception {
    String settings = "sluice.controller.groups { g1 = [g1, g2] }\nsluice.cluster.replication.mode = async\n"
        + "sluice.cluster.replication.replica-max-lag = 30 s\n";
    n1 = TestNode.start(dir1, "sluice.cluster.broker-group = g1\n" + settings);
    client1 = client(n1);
    TopicConfig topic = new TopicConfig(TOPIC, 1, MessageType.NORMAL, 0).withQueueGroups(List.of("g1"));
    CompletionStage<TopicRegistry.Change> created = AskPattern.ask(TopicRegistry.init(n1.system()),
        replyTo -> new TopicRegistry.CreateTopic(topic, replyTo), Duration.ofSeconds(10), n1.system().scheduler());
    assertTrue(get(created) instanceof TopicRegistry.Changed);
    n2 = TestNode.start(dir2, "sluice.cluster.broker-group = g2\n" + settings
        + "pekko.cluster.seed-nodes = [\"" + Cluster.get(n1.system()).selfMember().address() + "\"]\n");
    client2 = client(n2);
    awaitTrue(() -> activeEpoch(n1) == 1 && activeEpoch(n2) == 1);
    awaitTrue(() -> sendOk("m-1"));
    MessageStore master = SluiceStores.get(Adapter.toClassic(n1.system())).storeFor("sluice.persistence.journal");
    awaitTrue(() -> master.commits().inSync().contains("g2"));
    Delivery before = receiveOne(client1);
    assertEquals("m-1", before.getMessage().getMessageId());

    HttpResponse<String> switched = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + n1.managementPort() + "/cluster/replication/g1/switch"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, switched.statusCode(), switched.body());
    awaitTrue(() -> activeEpoch(n2) == 2);

    ReceiptResult refused = get(client2.ack(AckRequest.newBuilder().setGroup(GROUP).setTopic(TOPIC)
        .addReceiptHandles(before.getReceiptHandle()).build())).getResults(0);
    assertEquals(Reason.INVALID_RECEIPT_VALUE, refused.getStatus().getReasonValue(), refused.toString());
    String expected = "issued under epoch 1 of broker group 'g1', which is now at epoch 2 after a failover";
    assertTrue(refused.getStatus().getMessage().contains(expected), refused.getStatus().getMessage());
    ExecutionException renew = assertThrows(ExecutionException.class,
        () -> get(client2.changeInvisibleDuration(ChangeInvisibleDurationRequest.newBuilder().setGroup(GROUP)
            .setTopic(TOPIC).setReceiptHandle(before.getReceiptHandle()).setInvisibleDurationMs(60_000).build())));
    assertTrue(renew.getCause() instanceof StatusRuntimeException s && s.getMessage().contains(expected),
        renew.getCause().toString());

    // everything above the group's acked offset is delivered again by the new master, under epoch 2
    Delivery again = receiveOne(client2);
    assertEquals("m-1", again.getMessage().getMessageId());
    ReceiptResult acked = get(client2.ack(AckRequest.newBuilder().setGroup(GROUP).setTopic(TOPIC)
        .addReceiptHandles(again.getReceiptHandle()).build())).getResults(0);
    assertEquals(0, acked.getStatus().getCode(), acked.toString());
  }

  private static long activeEpoch(BrokerNode node) {
    return GroupMasters.get(node.system()).stateOf("g1")
        .filter(s -> s.status() == GroupState.Status.ACTIVE).map(GroupState::epoch).orElse(0L);
  }

  private boolean sendOk(String id) {
    try {
      return get(client1.send(SendRequest.newBuilder().addMessages(Message.newBuilder().setTopic(TOPIC)
          .setMessageId(id).setBody(ByteString.copyFromUtf8(id))).build())).getReceipts(0).getStatus().getCode() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  /** Long polls until one message comes (nothing while the queue's group has no serving node). */
  private static Delivery receiveOne(MessagingServiceClient client) throws Exception {
    Delivery[] got = new Delivery[1];
    awaitTrue(() -> {
      try {
        List<Delivery> d = get(client.receive(ReceiveRequest.newBuilder().setGroup(GROUP).setTopic(TOPIC)
            .setMaxMessages(1).setInvisibleDurationMs(60_000).setWaitMs(2_000).build())).getDeliveriesList();
        got[0] = d.isEmpty() ? null : d.get(0);
      } catch (Exception unavailable) {
        got[0] = null;
      }
      return got[0] != null;
    });
    return got[0];
  }

  private static MessagingServiceClient client(BrokerNode node) {
    return MessagingServiceClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", node.grpcPort(), node.system()).withTls(false),
        node.system());
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
