package io.sluice.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.Producer;
import io.sluice.client.SluiceClient;
import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ConsumeResponse;
import io.sluice.protocol.v1.Credit;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.MessagingServiceClient;
import io.sluice.protocol.v1.ReceiveRequest;
import io.sluice.protocol.v1.ReceiveResponse;
import io.sluice.protocol.v1.Subscribe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deliveries frames and Receive replies hold at most {@code max-delivery-batch-bytes} (4 MiB) of
 * messages, and a Receive makes invisible only what its reply holds. Driven through the generated
 * stubs with a large inbound limit, so that an oversized reply shows as such rather than as a
 * client error.
 */
class DeliveryBatchBytesTest {
  static final int SIZE = 3 << 20;
  static final long BOUND = 4L << 20;

  @TempDir static Path dir;
  static BrokerNode node;
  static SluiceClient client;
  static ActorSystem rawSystem;
  static MessagingServiceClient raw;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dir, "");
    client = SluiceClient.builder().endpoints("127.0.0.1:" + node.grpcPort()).build();
    rawSystem = ActorSystem.create("raw", ConfigFactory.parseString("pekko.actor.provider = local")
        .withFallback(ConfigFactory.defaultReference()));
    raw = MessagingServiceClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", node.grpcPort(), rawSystem).withTls(false)
            .withChannelBuilderOverrides(b -> b.maxInboundMessageSize(64 << 20)),
        rawSystem);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    rawSystem.terminate();
    node.stop();
  }

  /** Four 3 MiB messages on a 2-queue topic: no two fit in one batch. */
  static void produceLarge(String topic) {
    client.admin().createTopic(topic, 2, MessageType.NORMAL);
    try (Producer producer = client.newProducer()) {
      for (int i = 0; i < 4; i++) {
        producer.send(Message.builder().topic(topic).body(new byte[SIZE]).build());
      }
    }
  }

  static long bytes(List<Delivery> deliveries) {
    return deliveries.stream().mapToLong(d -> d.getMessage().getSerializedSize()).sum();
  }

  @Test
  void aReceiveReplyHoldsAtMostTheByteBoundAndLeavesTheRestVisible() throws Exception {
    produceLarge("large-receive");
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      ReceiveResponse reply = raw.receive(ReceiveRequest.newBuilder().setGroup("g").setTopic("large-receive")
              .setMaxMessages(1024).setInvisibleDurationMs(600_000).setWaitMs(20_000).build())
          .toCompletableFuture().get(60, TimeUnit.SECONDS);
      // what the reply does not hold stays visible: the next Receive gets it at once
      assertEquals(1, reply.getDeliveriesCount(), "receive " + i + " returned " + bytes(reply.getDeliveriesList()) + " bytes");
      Delivery d = reply.getDeliveries(0);
      assertTrue(seen.add(d.getMessage().getQueueId() * 1_000_000L + d.getMessage().getOffset()), "delivered twice");
    }
    ReceiveResponse none = raw.receive(ReceiveRequest.newBuilder().setGroup("g").setTopic("large-receive")
            .setMaxMessages(1024).setInvisibleDurationMs(600_000).setWaitMs(0).build())
        .toCompletableFuture().get(60, TimeUnit.SECONDS);
    assertEquals(0, none.getDeliveriesCount());
  }

  @Test
  void aDeliveriesFrameHoldsAtMostTheByteBound() throws Exception {
    produceLarge("large-consume");
    List<ConsumeResponse> frames = new CopyOnWriteArrayList<>();
    Source<ConsumeRequest, ?> requests = Source.from(List.of(
            ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder().setGroup("g").setTopic("large-consume")
                .setInvisibleDurationMs(600_000)).build(),
            ConsumeRequest.newBuilder().setCredit(Credit.newBuilder().setMessages(100)).build()))
        .concat(Source.maybe());
    raw.consume(requests.mapMaterializedValue(m -> org.apache.pekko.NotUsed.getInstance()))
        .filter(ConsumeResponse::hasDeliveries)
        .takeWhile(r -> frames.add(r) && frames.stream().mapToInt(f -> f.getDeliveries().getDeliveriesCount()).sum() < 4,
            true)
        .run(rawSystem)
        .toCompletableFuture().get(60, TimeUnit.SECONDS);
    for (ConsumeResponse frame : frames) {
      List<Delivery> batch = frame.getDeliveries().getDeliveriesList();
      assertTrue(batch.size() == 1 || frame.getSerializedSize() <= BOUND, "a frame of " + bytes(batch) + " bytes");
    }
    assertEquals(4, frames.size());
  }
}
