package io.sluice.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simple consumer against the in-test {@link FakeBroker}. */
class SimpleConsumerTest {
  static ActorSystem system;
  static FakeBroker broker;
  SluiceClient client;
  SimpleConsumer consumer;

  @BeforeAll
  static void startBroker() throws Exception {
    system = FakeBroker.serverSystem("simple-consumer-test");
    broker = FakeBroker.start(system);
  }

  @AfterAll
  static void stopBroker() throws Exception {
    broker.stopWithSystem();
  }

  @BeforeEach
  void connect() {
    client = broker.clientBuilder().build();
    consumer =
        client.newSimpleConsumer(
            SimpleConsumerSettings.builder("g-simple", "orders")
                .awaitDuration(Duration.ZERO)
                .build());
  }

  @AfterEach
  void disconnect() {
    client.close();
  }

  @Test
  void receivesMessagesAndAcksThemOnce() {
    for (int i = 0; i < 3; i++) {
      broker.simple.add(FakeBroker.storedMessage("orders", i));
    }
    List<MessageView> views = consumer.receive(10, Duration.ofSeconds(30));
    assertEquals(3, views.size());
    MessageView first = views.get(0);
    assertEquals("m-0", first.messageId());
    assertEquals("TagA", first.tag());
    assertEquals(Map.of("index", "0"), first.properties());
    assertEquals("payload-0", StandardCharsets.UTF_8.decode(first.body()).toString());
    assertEquals(1, first.attempt());
    for (MessageView v : views) {
      consumer.ack(v);
    }
    InvalidReceiptException again =
        assertThrows(InvalidReceiptException.class, () -> consumer.ack(first));
    assertEquals(Reason.INVALID_RECEIPT, again.reason());
    assertEquals(Status.Code.FAILED_PRECONDITION, again.statusCode());
  }

  /** A stored message of {@code bytes} body bytes of {@code fill}, as the broker sends it. */
  static io.sluice.protocol.v1.Message large(int index, int bytes, int fill) {
    byte[] body = new byte[bytes];
    java.util.Arrays.fill(body, (byte) fill);
    return FakeBroker.storedMessage("orders", index).toBuilder()
        .setBody(com.google.protobuf.ByteString.copyFrom(body)).build();
  }

  @Test
  void receivesAndLooksUpMessagesLargerThanGrpcsDefaultInboundLimit() {
    broker.simple.add(large(1, 4 << 20, 1));
    MessageView one = consumer.receive(10, Duration.ofSeconds(30)).get(0);
    assertEquals(4 << 20, one.body().remaining());
    consumer.ack(one);

    broker.simple.add(large(2, 3 << 20, 2));
    broker.simple.add(large(3, 3 << 20, 3));
    List<MessageView> two = consumer.receive(10, Duration.ofSeconds(30));
    assertEquals(2, two.size());
    assertEquals(3 << 20, two.get(1).body().remaining());
    assertEquals(3, two.get(1).body().get(0));

    client.admin().createTopic("large-lookup", 1, MessageType.NORMAL);
    broker.lookupAnswer = large(4, 4 << 20, 4);
    try {
      List<MessageView> found = client.admin().queryMessagesById("large-lookup", "m-4");
      assertEquals(4 << 20, found.get(0).body().remaining());
    } finally {
      broker.lookupAnswer = null;
    }
  }

  @Test
  void changeInvisibleDurationReplacesTheReceiptHandle() {
    broker.simple.add(FakeBroker.storedMessage("orders", 7));
    MessageView view = consumer.receive(1, Duration.ofSeconds(30)).get(0);
    String before = view.receiptHandle();
    consumer.changeInvisibleDuration(view, Duration.ofMinutes(1));
    assertNotEquals(before, view.receiptHandle());
    consumer.ack(view);
  }

  @Test
  void changeInvisibleDurationOfAnAckedMessageFailsWithInvalidReceipt() {
    broker.simple.add(FakeBroker.storedMessage("orders", 8));
    MessageView view = consumer.receive(1, Duration.ofSeconds(30)).get(0);
    consumer.ack(view);
    assertThrows(
        InvalidReceiptException.class,
        () -> consumer.changeInvisibleDuration(view, Duration.ofMinutes(1)));
  }

  @Test
  void invisibleDurationOutOfRangeIsAnInvalidArgument() {
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class, () -> consumer.receive(1, Duration.ofMillis(500)));
    assertEquals(Reason.INVALID_INVISIBLE_DURATION, e.reason());
  }

  @Test
  void receiveOnAnEmptyQueueReturnsNothing() {
    assertEquals(List.of(), consumer.receive(5, Duration.ofSeconds(30)));
  }
}
