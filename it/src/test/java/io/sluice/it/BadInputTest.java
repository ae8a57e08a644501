package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.sluice.client.ConsumeResult;
import io.sluice.client.InvalidArgumentException;
import io.sluice.client.InvalidReceiptException;
import io.sluice.client.Message;
import io.sluice.client.MessageTooLargeException;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.PushConsumer;
import io.sluice.client.Reason;
import io.sluice.client.SendReceipt;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SimpleConsumerSettings;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.TopicNotFoundException;
import io.sluice.protocol.v1.AckRequest;
import io.sluice.protocol.v1.AckResponse;
import io.sluice.protocol.v1.Acknowledge;
import io.sluice.protocol.v1.ChangeInvisibleDurationRequest;
import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ConsumeResponse;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.ReceiptResult;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.ItemStatus;
import io.sluice.protocol.v1.ProduceRequest;
import io.sluice.protocol.v1.ProduceResponse;
import io.sluice.protocol.v1.ReceiveRequest;
import io.sluice.protocol.v1.ReceiveResponse;
import io.sluice.protocol.v1.SendRequest;
import io.sluice.protocol.v1.SendResponse;
import io.sluice.protocol.v1.Subscribe;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input gets its precise status and reason, through the client where it sends the
 * request and through the raw stubs (reading the {@code sluice-reason} trailer) where the client
 * would refuse it first, while another producer and consumer keep working on the same node.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class BadInputTest {
  static final int MAX_BODY = 4 * 1024 * 1024;

  @TempDir static Path tmp;
  static BrokerProcess node;
  static SluiceClient client;
  static RawGrpc raw;

  /** Steady traffic on another topic during every test: it must never see an error. */
  final AtomicBoolean producing = new AtomicBoolean(true);
  final Set<String> steadySent = ConcurrentHashMap.newKeySet();
  final Set<String> steadyReceived = ConcurrentHashMap.newKeySet();
  final List<Throwable> steadyErrors = new CopyOnWriteArrayList<>();
  Thread steadyProducer;
  PushConsumer steadyConsumer;

  @BeforeAll
  static void start() {
    node = BrokerProcess.start(tmp.resolve("data"));
    client = node.newClient();
    raw = new RawGrpc(node.grpcPort());
    client.admin().createTopic("steady", 2, MessageType.NORMAL);
  }

  @AfterAll
  static void stop() throws Exception {
    Closer.closeAll(raw, client, node);
  }

  /** A topic of this test's own, so that no test sees another's messages. */
  String topic;

  @BeforeEach
  void startSteadyTraffic(org.junit.jupiter.api.TestInfo info) {
    topic = info.getTestMethod().orElseThrow().getName();
    client.admin().createTopic(topic, 2, MessageType.NORMAL);
    String group = "steady-" + System.nanoTime();
    steadyConsumer = client.newPushConsumer(group, "steady", m -> {
      steadyReceived.add(m.messageId());
      return ConsumeResult.SUCCESS;
    });
    steadyProducer = new Thread(() -> {
      try (Producer p = client.newProducer()) {
        int i = 0;
        while (producing.get()) {
          try {
            SendReceipt r = p.send(Message.builder().topic("steady")
                .body(("steady-" + i++).getBytes(StandardCharsets.UTF_8)).build());
            steadySent.add(r.messageId());
          } catch (RuntimeException e) {
            steadyErrors.add(e);
          }
          if (steadySent.size() % 20 == 0) {
            Await.pause();
          }
        }
      }
    }, "steady-producer");
    steadyProducer.start();
    Await.until("steady traffic flowing", Duration.ofSeconds(30), () -> steadyReceived.size() >= 10);
  }

  @AfterEach
  void steadyTrafficWasUnaffected() throws Exception {
    producing.set(false);
    steadyProducer.join(TimeUnit.SECONDS.toMillis(60));
    try {
      assertTrue(steadyErrors.isEmpty(), "steady producer failed: " + steadyErrors);
      Await.until("the steady consumer received all " + steadySent.size() + " steady messages",
          Duration.ofSeconds(60), () -> steadyReceived.containsAll(steadySent),
          () -> steadyReceived.size() + " of " + steadySent.size());
      assertTrue(node.isAlive(), "node died");
    } finally {
      steadyConsumer.close();
    }
  }

  static Message text(String topic, String body) {
    return Message.builder().topic(topic).body(body.getBytes(StandardCharsets.UTF_8)).build();
  }

  static io.sluice.protocol.v1.Message rawMessage(String topic, byte[] body) {
    return io.sluice.protocol.v1.Message.newBuilder().setTopic(topic)
        .setBody(com.google.protobuf.ByteString.copyFrom(body)).build();
  }

  static void assertReason(SluiceException e, Reason reason, Status.Code code) {
    assertEquals(reason, e.reason(), "reason of " + e);
    assertEquals(code, e.statusCode(), "status of " + e);
  }

  static void assertItem(ItemStatus status, io.sluice.protocol.v1.Reason reason, Status.Code code) {
    assertEquals(reason, status.getReason(), "reason of " + status);
    assertEquals(code.value(), status.getCode(), "status of " + status);
    assertFalse(status.getMessage().isEmpty(), "a human-readable message in " + status);
  }

  static void assertFailure(RawGrpc.Failure f, Status.Code code, String reason) {
    assertEquals(code, f.code(), "status of " + f);
    assertEquals(reason, f.reason(), "sluice-reason trailer of " + f);
  }

  /** Subscribes a raw consume stream with {@code subscribe} and returns how the stream failed. */
  RawGrpc.Failure subscribeFails(Subscribe subscribe) {
    try (RawGrpc.ConsumeStream stream = raw.openConsume()) {
      stream.send(ConsumeRequest.newBuilder().setSubscribe(subscribe).build());
      RawGrpc.Failure f = RawGrpc.failureOf(stream.done);
      assertEquals(0, stream.count(ConsumeResponse.EventCase.SUBSCRIBED), "subscribed anyway");
      return f;
    }
  }

  static Subscribe.Builder subscribe(String group, String topic) {
    return Subscribe.newBuilder().setGroup(group).setTopic(topic).setClientId("raw")
        .setFilter(FilterExpression.newBuilder().setExpression("*"));
  }

  @Test
  void unknownTopic() {
    try (Producer producer = client.newProducer()) {
      TopicNotFoundException e = assertThrows(TopicNotFoundException.class,
          () -> producer.send(text("no-such-topic", "x")));
      assertReason(e, Reason.TOPIC_NOT_FOUND, Status.Code.NOT_FOUND);
      TopicNotFoundException async = assertThrows(TopicNotFoundException.class,
          () -> join(producer.sendAsync(text("no-such-topic", "x"))));
      assertReason(async, Reason.TOPIC_NOT_FOUND, Status.Code.NOT_FOUND);
    }
    SimpleConsumer consumer = client.newSimpleConsumer("readers", "no-such-topic");
    assertReason(assertThrows(TopicNotFoundException.class, () -> consumer.receive(1, Duration.ofSeconds(10))),
        Reason.TOPIC_NOT_FOUND, Status.Code.NOT_FOUND);
    assertReason(assertThrows(TopicNotFoundException.class, () -> client.admin().describeTopic("no-such-topic")),
        Reason.TOPIC_NOT_FOUND, Status.Code.NOT_FOUND);
    assertFailure(RawGrpc.failureOf(raw.messaging.receive(ReceiveRequest.newBuilder().setGroup("readers")
            .setTopic("no-such-topic").setMaxMessages(1).setInvisibleDurationMs(10_000).build())),
        Status.Code.NOT_FOUND, "TOPIC_NOT_FOUND");
    assertFailure(subscribeFails(subscribe("readers", "no-such-topic").build()),
        Status.Code.NOT_FOUND, "TOPIC_NOT_FOUND");
  }

  @Test
  void emptyBody() {
    // the client refuses to build it, so the broker is asked through the raw stubs
    InvalidArgumentException local = assertThrows(InvalidArgumentException.class,
        () -> Message.builder().topic(topic).body(new byte[0]).build());
    assertEquals(Reason.MESSAGE_BODY_EMPTY, local.reason());

    SendResponse sent = RawGrpc.await(raw.messaging.send(SendRequest.newBuilder()
        .addMessages(rawMessage(topic, new byte[0]))
        .addMessages(rawMessage(topic, "fine".getBytes(StandardCharsets.UTF_8)))
        .build()));
    assertEquals(2, sent.getReceiptsCount());
    assertItem(sent.getReceipts(0).getStatus(), io.sluice.protocol.v1.Reason.MESSAGE_BODY_EMPTY,
        Status.Code.INVALID_ARGUMENT);
    assertEquals(0, sent.getReceipts(1).getStatus().getCode(), "the good message of the batch is stored");

    List<ProduceResponse> produced = RawGrpc.await(raw.messaging.produce(Source.single(
            ProduceRequest.newBuilder().addMessages(rawMessage(topic, new byte[0])).build()))
        .runWith(Sink.seq(), rawSystem()));
    assertEquals(1, produced.size());
    assertItem(produced.get(0).getReceipts(0).getStatus(), io.sluice.protocol.v1.Reason.MESSAGE_BODY_EMPTY,
        Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void bodyOverFourMebibytes() {
    byte[] limit = new byte[MAX_BODY];
    byte[] over = new byte[MAX_BODY + 1];
    try (Producer producer = client.newProducer()) {
      SendReceipt atLimit = producer.send(Message.builder().topic(topic).body(limit).build());
      assertEquals(topic, atLimit.topic(), "a body of exactly 4 MiB is accepted");
      MessageTooLargeException e = assertThrows(MessageTooLargeException.class,
          () -> producer.send(Message.builder().topic(topic).body(over).build()));
      assertReason(e, Reason.MESSAGE_TOO_LARGE, Status.Code.INVALID_ARGUMENT);
      MessageTooLargeException async = assertThrows(MessageTooLargeException.class,
          () -> join(producer.sendAsync(Message.builder().topic(topic).body(over).build())));
      assertReason(async, Reason.MESSAGE_TOO_LARGE, Status.Code.INVALID_ARGUMENT);
    }
  }

  @Test
  void invalidTopicAndGroupNames() {
    String bad = "bad name!";
    assertReason(assertThrows(InvalidArgumentException.class,
        () -> client.admin().createTopic(bad, 1, MessageType.NORMAL)), Reason.INVALID_NAME, Status.Code.INVALID_ARGUMENT);
    try (Producer producer = client.newProducer()) {
      assertReason(assertThrows(InvalidArgumentException.class, () -> producer.send(text(bad, "x"))),
          Reason.INVALID_NAME, Status.Code.INVALID_ARGUMENT);
    }
    SimpleConsumer badGroup = client.newSimpleConsumer(bad, topic);
    assertReason(assertThrows(InvalidArgumentException.class, () -> badGroup.receive(1, Duration.ofSeconds(10))),
        Reason.INVALID_NAME, Status.Code.INVALID_ARGUMENT);
    SimpleConsumer badTopic = client.newSimpleConsumer("readers", bad);
    assertReason(assertThrows(InvalidArgumentException.class, () -> badTopic.receive(1, Duration.ofSeconds(10))),
        Reason.INVALID_NAME, Status.Code.INVALID_ARGUMENT);
    assertReason(assertThrows(InvalidArgumentException.class, () -> client.admin().describeConsumerGroup(bad, topic)),
        Reason.INVALID_NAME, Status.Code.INVALID_ARGUMENT);
    assertFailure(subscribeFails(subscribe(bad, topic).build()), Status.Code.INVALID_ARGUMENT, "INVALID_NAME");
    assertFailure(subscribeFails(subscribe("readers", "a/b").build()), Status.Code.INVALID_ARGUMENT, "INVALID_NAME");
  }

  @Test
  void invisibleDurationOutOfRange() {
    SimpleConsumer consumer = client.newSimpleConsumer("durations", topic);
    for (Duration d : List.of(Duration.ZERO, Duration.ofMillis(999), Duration.ofHours(13))) {
      assertReason(assertThrows(InvalidArgumentException.class, () -> consumer.receive(1, d), "receive " + d),
          Reason.INVALID_INVISIBLE_DURATION, Status.Code.INVALID_ARGUMENT);
    }
    // a message to change the invisibility of
    try (Producer producer = client.newProducer()) {
      producer.send(text(topic, "to-renew"));
    }
    MessageView m = receiveOne(consumer, Duration.ofSeconds(30));
    for (Duration d : List.of(Duration.ZERO, Duration.ofHours(13))) {
      assertReason(assertThrows(InvalidArgumentException.class, () -> consumer.changeInvisibleDuration(m, d),
          "change to " + d), Reason.INVALID_INVISIBLE_DURATION, Status.Code.INVALID_ARGUMENT);
    }
    consumer.ack(m); // the refused changes left the delivery as it was

    // the push consumer refuses such settings itself; the broker through the raw stream:
    assertFailure(subscribeFails(subscribe("durations", topic).setInvisibleDurationMs(13 * 3_600_000L).build()),
        Status.Code.INVALID_ARGUMENT, "INVALID_INVISIBLE_DURATION");
    assertFailure(subscribeFails(subscribe("durations", topic).setInvisibleDurationMs(500).build()),
        Status.Code.INVALID_ARGUMENT, "INVALID_INVISIBLE_DURATION");
  }

  @Test
  void forgedReceiptHandles() {
    try (Producer producer = client.newProducer()) {
      producer.send(text(topic, "forge-target"));
    }
    // a real delivery (raw, so that its handle can be tampered with)
    Delivery real = rawReceiveOne("forgers", 30_000);
    String handle = real.getReceiptHandle();

    byte[] random = new byte[21];
    new SecureRandom().nextBytes(random);
    random[0] = 1; // even with the right version byte
    String randomHandle = Base64.getUrlEncoder().withoutPadding().encodeToString(random);

    byte[] bytes = Base64.getUrlDecoder().decode(handle);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    long nonce = buf.getLong(bytes.length - 8);
    buf.putLong(bytes.length - 8, nonce == 1 ? 2 : nonce - 1);
    String wrongNonce = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);

    for (String forged : List.of(randomHandle, wrongNonce, "not a receipt handle", handle + "AAAA")) {
      AckResponse r = RawGrpc.await(raw.messaging.ack(AckRequest.newBuilder()
          .setGroup("forgers").setTopic(topic).addReceiptHandles(forged).build()));
      assertEquals(1, r.getResultsCount());
      assertEquals(forged, r.getResults(0).getReceiptHandle());
      assertItem(r.getResults(0).getStatus(), io.sluice.protocol.v1.Reason.INVALID_RECEIPT, Status.Code.INVALID_ARGUMENT);

      assertFailure(RawGrpc.failureOf(raw.messaging.changeInvisibleDuration(ChangeInvisibleDurationRequest.newBuilder()
              .setGroup("forgers").setTopic(topic).setReceiptHandle(forged).setInvisibleDurationMs(5_000).build())),
          Status.Code.INVALID_ARGUMENT, "INVALID_RECEIPT");
    }

    // on a consume stream too: the forged ack is answered with INVALID_RECEIPT, the stream lives on
    try (RawGrpc.ConsumeStream stream = raw.openConsume()) {
      stream.send(ConsumeRequest.newBuilder().setSubscribe(subscribe("forgers", topic)).build());
      stream.send(ConsumeRequest.newBuilder().setAck(Acknowledge.newBuilder().addReceiptHandles(wrongNonce)).build());
      Await.until("a receipt result on the stream", Duration.ofSeconds(30),
          () -> !stream.receiptResults().isEmpty() || stream.done.isDone());
      assertFalse(stream.done.isDone(), "stream ended on a forged ack: " + stream.done);
      ReceiptResult result = stream.receiptResults().get(0);
      assertEquals(wrongNonce, result.getReceiptHandle());
      assertItem(result.getStatus(), io.sluice.protocol.v1.Reason.INVALID_RECEIPT, Status.Code.INVALID_ARGUMENT);
    }

    // none of that disturbed the real delivery: its own handle still acks
    AckResponse ok = RawGrpc.await(raw.messaging.ack(AckRequest.newBuilder()
        .setGroup("forgers").setTopic(topic).addReceiptHandles(handle).build()));
    assertEquals(0, ok.getResults(0).getStatus().getCode(), "real handle: " + ok);
    // and once acked, the same handle is refused
    AckResponse again = RawGrpc.await(raw.messaging.ack(AckRequest.newBuilder()
        .setGroup("forgers").setTopic(topic).addReceiptHandles(handle).build()));
    assertItem(again.getResults(0).getStatus(), io.sluice.protocol.v1.Reason.INVALID_RECEIPT,
        Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void expiredReceiptHandle() {
    try (Producer producer = client.newProducer()) {
      producer.send(text(topic, "expires"));
    }
    SimpleConsumer consumer = client.newSimpleConsumer(
        SimpleConsumerSettings.builder("latecomers", topic).awaitDuration(Duration.ofSeconds(5)).build());
    MessageView m = receiveOne(consumer, Duration.ofSeconds(1));
    Await.until("its invisible time passed", Duration.ofSeconds(10),
        () -> System.currentTimeMillis() > m.invisibleUntilMs() + 50);
    InvalidReceiptException e = assertThrows(InvalidReceiptException.class, () -> consumer.ack(m));
    assertReason(e, Reason.INVALID_RECEIPT, Status.Code.INVALID_ARGUMENT);
    assertThrows(InvalidReceiptException.class, () -> consumer.changeInvisibleDuration(m, Duration.ofSeconds(5)));
    // it is delivered again, and that delivery acks
    MessageView again = receiveOne(consumer, Duration.ofSeconds(30));
    assertEquals(m.messageId(), again.messageId());
    assertEquals(2, again.attempt());
    consumer.ack(again);
  }

  @Test
  void malformedFilter() {
    for (String expression : List.of("a||", "||", "a||*", "a|b")) {
      SimpleConsumer consumer = client.newSimpleConsumer(
          SimpleConsumerSettings.builder("filtered", topic).filter(expression).build());
      assertReason(assertThrows(InvalidArgumentException.class, () -> consumer.receive(1, Duration.ofSeconds(10)),
          "filter " + expression), Reason.INVALID_FILTER, Status.Code.INVALID_ARGUMENT);
    }
    assertFailure(subscribeFails(subscribe("filtered", topic)
            .setFilter(FilterExpression.newBuilder().setExpression("a||")).build()),
        Status.Code.INVALID_ARGUMENT, "INVALID_FILTER");
    assertFailure(subscribeFails(subscribe("filtered", topic)
            .setFilter(FilterExpression.newBuilder().setType(FilterExpression.Type.SQL92).setExpression("a >")).build()),
        Status.Code.INVALID_ARGUMENT, "INVALID_FILTER");
  }

  @Test
  void filterNestedFiftyThousandDeep() {
    String deep = "(".repeat(50_000) + "a > 1" + ")".repeat(50_000);
    FilterExpression filter = FilterExpression.newBuilder().setType(FilterExpression.Type.SQL92).setExpression(deep).build();
    assertFailure(subscribeFails(subscribe("nested", topic).setFilter(filter).build()),
        Status.Code.INVALID_ARGUMENT, "INVALID_FILTER");
    RawGrpc.Failure unary = RawGrpc.failureOf(raw.messaging.receive(ReceiveRequest.newBuilder().setGroup("nested")
        .setTopic(topic).setFilter(filter).setMaxMessages(1).setInvisibleDurationMs(10_000).build()));
    assertFailure(unary, Status.Code.INVALID_ARGUMENT, "INVALID_FILTER");
    String within = "(".repeat(64) + "a > 1" + ")".repeat(64);
    try (RawGrpc.ConsumeStream stream = raw.openConsume()) {
      stream.send(ConsumeRequest.newBuilder().setSubscribe(subscribe("nested", topic).setFilter(
          FilterExpression.newBuilder().setType(FilterExpression.Type.SQL92).setExpression(within))).build());
      Await.until("subscribed with a filter nested 64 deep", Duration.ofSeconds(30),
          () -> stream.count(ConsumeResponse.EventCase.SUBSCRIBED) == 1 || stream.done.isDone());
      assertFalse(stream.done.isDone(), "stream ended: " + stream.done);
    }
  }

  @Test
  void brokerOwnedTopicsAreReadOnly() {
    String dlq = "%DLQ%steady-readers";
    SendResponse sent = RawGrpc.await(raw.messaging.send(SendRequest.newBuilder()
        .addMessages(rawMessage(dlq, "planted".getBytes(StandardCharsets.UTF_8))).build()));
    assertItem(sent.getReceipts(0).getStatus(), io.sluice.protocol.v1.Reason.TOPIC_READ_ONLY, Status.Code.PERMISSION_DENIED);
    assertFailure(RawGrpc.failureOf(raw.admin.deleteTopic(
        io.sluice.protocol.v1.DeleteTopicRequest.newBuilder().setName(dlq).build())),
        Status.Code.PERMISSION_DENIED, "TOPIC_READ_ONLY");
    assertFailure(RawGrpc.failureOf(raw.admin.updateTopic(io.sluice.protocol.v1.UpdateTopicRequest.newBuilder()
            .setTopic(io.sluice.protocol.v1.Topic.newBuilder().setName(dlq).setQueueCount(1)).build())),
        Status.Code.PERMISSION_DENIED, "TOPIC_READ_ONLY");
  }

  @Test
  void propertyNamesAndSizes() {
    for (String name : List.of("", "p".repeat(129), "p".repeat(1 << 20))) {
      SendResponse sent = RawGrpc.await(raw.messaging.send(SendRequest.newBuilder()
          .addMessages(rawMessage(topic, "x".getBytes(StandardCharsets.UTF_8)).toBuilder().putProperties(name, "v"))
          .build()));
      assertItem(sent.getReceipts(0).getStatus(), io.sluice.protocol.v1.Reason.INVALID_NAME, Status.Code.INVALID_ARGUMENT);
    }
    // a 1-byte body with a 6 MiB property is larger than a message may be
    SendResponse sent = RawGrpc.await(raw.messaging.send(SendRequest.newBuilder()
        .addMessages(rawMessage(topic, "x".getBytes(StandardCharsets.UTF_8)).toBuilder()
            .putProperties("big", "v".repeat(6 << 20)))
        .build()));
    assertItem(sent.getReceipts(0).getStatus(), io.sluice.protocol.v1.Reason.MESSAGE_TOO_LARGE,
        Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void echoedInputIsCut() {
    String name = "n".repeat(10_000);
    RawGrpc.Failure f = RawGrpc.failureOf(raw.admin.describeTopic(
        io.sluice.protocol.v1.DescribeTopicRequest.newBuilder().setName(name).build()));
    assertFailure(f, Status.Code.INVALID_ARGUMENT, "INVALID_NAME");
    assertTrue(f.description().contains("'" + "n".repeat(128) + "...'"), f.description());
    assertTrue(f.description().length() < 600, "description of " + f.description().length() + " characters");
  }

  // ---- helpers

  static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new AssertionError(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static MessageView receiveOne(SimpleConsumer consumer, Duration invisible) {
    MessageView[] got = new MessageView[1];
    Await.until("a message for " + consumer.group(), Duration.ofSeconds(30), () -> {
      List<MessageView> r = consumer.receive(1, invisible);
      if (!r.isEmpty()) {
        got[0] = r.get(0);
      }
      return got[0] != null;
    });
    return got[0];
  }

  Delivery rawReceiveOne(String group, long invisibleMs) {
    Delivery[] got = new Delivery[1];
    Await.until("a raw delivery for " + group, Duration.ofSeconds(30), () -> {
      ReceiveResponse r = RawGrpc.await(raw.messaging.receive(ReceiveRequest.newBuilder().setGroup(group)
          .setTopic(topic).setMaxMessages(1).setInvisibleDurationMs(invisibleMs).setWaitMs(5_000).build()));
      if (r.getDeliveriesCount() > 0) {
        got[0] = r.getDeliveries(0);
      }
      return got[0] != null;
    });
    assertNotNull(got[0]);
    return got[0];
  }

  static org.apache.pekko.actor.ClassicActorSystemProvider rawSystem() {
    return raw.system();
  }
}
