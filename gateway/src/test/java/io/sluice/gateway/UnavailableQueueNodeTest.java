package io.sluice.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.actors.placement.BrokerGroups;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.gateway.cluster.BrokerGroupIdentity;
import io.sluice.protocol.v1.AdminServiceClient;
import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ConsumeResponse;
import io.sluice.protocol.v1.Credit;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.DescribeConsumerGroupRequest;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.MessagingServiceClient;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.ReceiveRequest;
import io.sluice.protocol.v1.ReceiveResponse;
import io.sluice.protocol.v1.ResetConsumerGroupOffsetRequest;
import io.sluice.protocol.v1.SendReceipt;
import io.sluice.protocol.v1.SendRequest;
import io.sluice.protocol.v1.StartPosition;
import io.sluice.protocol.v1.Subscribe;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topic whose queue 1 is placed in broker group {@code gone}, which no node carries, on an
 * in-process node serving queue 0 (raw protocol): queue 1 is QUEUE_UNAVAILABLE at once for every
 * call that targets it, sends without a message group skip it, consumers keep getting queue 0, and
 * the management route {@code /cluster/queues} shows both.
 */
class UnavailableQueueNodeTest {
  private static final Metadata.Key<String> REASON =
      Metadata.Key.of(BrokerException.REASON_TRAILER, Metadata.ASCII_STRING_MARSHALLER);
  private static final String TOPIC = "split";

  @TempDir static Path dir;
  static BrokerNode node;
  static MessagingServiceClient messaging;
  static AdminServiceClient admin;
  static String ownGroup;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dir, "");
    ActorSystem<Void> system = node.system();
    ownGroup = Files.readString(dir.resolve(BrokerGroupIdentity.FILE_NAME)).trim();
    GrpcClientSettings settings = GrpcClientSettings.connectToServiceAt("127.0.0.1", node.grpcPort(), system)
        .withTls(false);
    messaging = MessagingServiceClient.create(settings, system);
    admin = AdminServiceClient.create(settings, system);
    // placed as the registry will place topics: queue 0 on this node's group, queue 1 on a group no node carries
    ActorRef<TopicRegistry.Command> registry = TopicRegistry.init(system);
    TopicConfig split = new TopicConfig(TOPIC, 2, MessageType.NORMAL, 0).withQueueGroups(List.of(ownGroup, "gone"));
    CompletionStage<TopicRegistry.Change> created = AskPattern.ask(
        registry, replyTo -> new TopicRegistry.CreateTopic(split, replyTo), Duration.ofSeconds(10), system.scheduler());
    assertTrue(created.toCompletableFuture().get(15, TimeUnit.SECONDS) instanceof TopicRegistry.Changed);
    // the node's catalog learns the topic from its replicated copy of the registry
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (send(message("probe")).getStatus().getReason() == Reason.TOPIC_NOT_FOUND) {
      assertTrue(System.nanoTime() < deadline, "the topic never reached the node's catalog");
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    messaging.close();
    admin.close();
    node.stop();
  }

  @Test
  void nodeCarriesTheRoleOfItsStoredBrokerGroup() {
    assertTrue(Cluster.get(node.system()).selfMember().hasRole(BrokerGroups.roleOf(ownGroup)));
  }

  @Test
  void sendsWithoutAGroupSkipTheUnavailableQueue() throws Exception {
    for (int i = 0; i < 20; i++) {
      SendReceipt receipt = send(message("skip-" + i));
      assertEquals(0, receipt.getStatus().getCode(), receipt.toString());
      assertEquals(0, receipt.getQueueId(), "message " + i + " went to the queue of group 'gone'");
    }
  }

  @Test
  void aMessageGroupOfTheUnavailableQueueFailsAtOnce() throws Exception {
    String group = IntStream.range(0, 100).mapToObj(i -> "order-" + i)
        .filter(g -> hashQueue(g) == 1).findFirst().orElseThrow();
    long before = System.nanoTime();
    SendReceipt receipt = send(message("fifo").toBuilder().setMessageGroup(group).build());
    assertEquals(Status.Code.UNAVAILABLE.value(), receipt.getStatus().getCode(), receipt.toString());
    assertEquals(Reason.QUEUE_UNAVAILABLE, receipt.getStatus().getReason());
    assertTrue(receipt.getStatus().getMessage().contains("'gone'"), receipt.getStatus().getMessage());
    assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(5), "answered at once, not after a timeout");
  }

  @Test
  void adminCallsOnTheUnavailableQueueAreRefusedWithItsReason() {
    assertUnavailable(() -> get(admin.resetConsumerGroupOffset(ResetConsumerGroupOffsetRequest.newBuilder()
        .setGroup("ops").setTopic(TOPIC).setEarliest(true).build())));
    assertUnavailable(() -> get(admin.describeConsumerGroup(DescribeConsumerGroupRequest.newBuilder()
        .setGroup("ops").setTopic(TOPIC).build())));
  }

  @Test
  void receiveServesTheAvailableQueue() throws Exception {
    for (int i = 0; i < 3; i++) {
      send(message("receive-" + i));
    }
    ReceiveResponse response = get(messaging.receive(ReceiveRequest.newBuilder()
        .setGroup("receivers").setTopic(TOPIC).setMaxMessages(100).setInvisibleDurationMs(60_000).setWaitMs(2_000).build()));
    assertTrue(response.getDeliveriesCount() >= 3, response.toString());
  }

  @Test
  void consumeStreamServesTheAvailableQueueFromTheEarliestOffset() throws Exception {
    for (int i = 0; i < 3; i++) {
      send(message("consume-" + i));
    }
    Source<ConsumeRequest, NotUsed> requests = Source.from(List.of(
            ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder().setGroup("streamers").setTopic(TOPIC)
                .setStartPosition(StartPosition.EARLIEST).setInvisibleDurationMs(60_000)).build(),
            ConsumeRequest.newBuilder().setCredit(Credit.newBuilder().setMessages(100)).build()))
        .concat(Source.<ConsumeRequest>maybe().mapMaterializedValue(promise -> NotUsed.getInstance()));
    List<Delivery> deliveries = messaging.consume(requests)
        .filter(ConsumeResponse::hasDeliveries)
        .mapConcat(response -> response.getDeliveries().getDeliveriesList())
        .take(3)
        .runWith(Sink.seq(), node.system())
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(3, deliveries.size());
    deliveries.forEach(d -> assertEquals(0, d.getMessage().getQueueId()));
  }

  @Test
  void managementRouteListsEachQueueWithItsGroupNodeAndAvailability() throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + node.managementPort() + "/cluster/queues")).build(), BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    JsonNode split = null;
    for (JsonNode topic : new ObjectMapper().readTree(response.body()).get("topics")) {
      if (topic.get("topic").asText().equals(TOPIC)) {
        split = topic.get("queues");
      }
    }
    assertTrue(split != null, response.body());
    String self = Cluster.get(node.system()).selfMember().address().toString();
    assertEquals(ownGroup, split.get(0).get("brokerGroup").asText());
    assertEquals(self, split.get(0).get("node").asText());
    assertTrue(split.get(0).get("available").asBoolean());
    assertEquals("gone", split.get(1).get("brokerGroup").asText());
    assertTrue(split.get(1).get("node").isNull(), response.body());
    assertFalse(split.get(1).get("available").asBoolean());
  }

  private static void assertUnavailable(ThrowingRunnable call) {
    try {
      call.run();
      throw new AssertionError("expected QUEUE_UNAVAILABLE");
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      assertTrue(cause instanceof StatusRuntimeException, String.valueOf(cause));
      StatusRuntimeException status = (StatusRuntimeException) cause;
      assertEquals(Status.Code.UNAVAILABLE, status.getStatus().getCode(), status.toString());
      assertEquals(Reason.QUEUE_UNAVAILABLE.name(), status.getTrailers().get(REASON));
      assertTrue(status.getStatus().getDescription().contains("'gone'"), status.getStatus().getDescription());
    }
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static int hashQueue(String key) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return (int) (crc.getValue() % 2);
  }

  private static Message message(String id) {
    return Message.newBuilder().setTopic(TOPIC).setMessageId(id).setBody(ByteString.copyFromUtf8(id)).build();
  }

  private static SendReceipt send(Message message) throws Exception {
    return get(messaging.send(SendRequest.newBuilder().addMessages(message).build())).getReceipts(0);
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
