package io.sluice.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The producer against the in-test {@link FakeBroker}. */
class ProducerTest {
  static ActorSystem system;
  static FakeBroker broker;
  SluiceClient client;

  @BeforeAll
  static void startBroker() throws Exception {
    system = FakeBroker.serverSystem("producer-test");
    broker = FakeBroker.start(system);
  }

  @AfterAll
  static void stopBroker() throws Exception {
    broker.stopWithSystem();
  }

  @BeforeEach
  void connect() {
    client = broker.clientBuilder().retryBackoff(Duration.ofMillis(5), Duration.ofMillis(20)).build();
  }

  @AfterEach
  void disconnect() {
    client.close();
  }

  static Message message(String topic, int i) {
    return Message.builder()
        .topic(topic)
        .tag("TagA")
        .keys("order-" + i)
        .body(("payload-" + i).getBytes(StandardCharsets.UTF_8))
        .build();
  }

  static <T> T join(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static Throwable failureOf(CompletionStage<?> stage) {
    CompletionException e =
        assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join());
    return e.getCause();
  }

  @Test
  void pipelinedSendsGetEveryReceiptInOrderOverOneStreamInFarFewerFrames() throws Exception {
    String topic = "orders-pipelined";
    int count = 10_000;
    ProducerSettings settings =
        ProducerSettings.builder().batchSizeBytes(16 * 1024).linger(Duration.ofMillis(200)).build();
    int streamsBefore = broker.produceStreams.get();
    List<Message> messages = new ArrayList<>(count);
    List<CompletableFuture<SendReceipt>> futures = new ArrayList<>(count);
    List<Integer> completionOrder = java.util.Collections.synchronizedList(new ArrayList<>());
    try (Producer producer = client.newProducer(settings)) {
      for (int i = 0; i < count; i++) {
        Message m = message(topic, i);
        messages.add(m);
        int index = i;
        CompletableFuture<SendReceipt> f = producer.sendAsync(m).toCompletableFuture();
        f.thenRun(() -> completionOrder.add(index));
        futures.add(f);
      }
      CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]))
          .get(60, TimeUnit.SECONDS);
    }
    for (int i = 0; i < count; i++) {
      SendReceipt r = futures.get(i).get();
      assertEquals(messages.get(i).messageId(), r.messageId());
      assertEquals(topic, r.topic());
      assertEquals(i, r.offset(), "the broker stored them in send order");
    }
    for (int i = 0; i < count; i++) {
      assertEquals(i, completionOrder.get(i), "receipts complete in send order");
    }
    assertEquals(1, broker.produceStreams.get() - streamsBefore, "one Produce stream");
    int frames = broker.framesFor(topic);
    assertTrue(frames <= count / 50, "expected batching, got " + frames + " frames");
  }

  @Test
  void fullBufferFailsFastWithBrokerBusy() throws Exception {
    ProducerSettings settings =
        ProducerSettings.builder()
            .batchSizeBytes(1024)
            .maxInFlightBytes(4 * 1024)
            .linger(Duration.ZERO)
            .build();
    byte[] body = new byte[900];
    List<CompletionStage<SendReceipt>> accepted = new ArrayList<>();
    try (SluiceClient impatient = stallingClient()) {
      Producer producer = impatient.newProducer(settings);
      for (int i = 0; i < 4; i++) {
        accepted.add(producer.sendAsync(Message.builder().topic("stall").body(body).build()));
      }
      CompletionStage<SendReceipt> rejected =
          producer.sendAsync(Message.builder().topic("stall").body(body).build());
      Throwable busy = failureOf(rejected);
      assertInstanceOf(BrokerBusyException.class, busy);
      assertEquals(Reason.BROKER_BUSY, ((SluiceException) busy).reason());

      producer.close();
    }
    for (CompletionStage<SendReceipt> s : accepted) {
      assertInstanceOf(BrokerUnavailableException.class, failureOf(s), "unanswered at close");
    }
  }

  /**
   * A client for sends to "stall", which the broker never answers: closing a producer waits for
   * them up to the request timeout, 1 s here instead of the default 10 s.
   */
  static SluiceClient stallingClient() {
    return broker.clientBuilder().requestTimeout(Duration.ofSeconds(1)).build();
  }

  @Test
  void blockingBufferGivesUpAfterMaxBlock() {
    ProducerSettings settings =
        ProducerSettings.builder()
            .batchSizeBytes(1024)
            .maxInFlightBytes(1024)
            .linger(Duration.ZERO)
            .maxBlock(Duration.ofMillis(50))
            .build();
    byte[] body = new byte[900];
    try (SluiceClient impatient = stallingClient();
        Producer producer = impatient.newProducer(settings)) {
      producer.sendAsync(Message.builder().topic("stall").body(body).build());
      Throwable t =
          failureOf(producer.sendAsync(Message.builder().topic("stall").body(body).build()));
      assertInstanceOf(BrokerBusyException.class, t);
    }
  }

  @Test
  void streamFailureFailsPendingSendsAndTheNextSendOpensANewStream() throws Exception {
    int streamsBefore = broker.produceStreams.get();
    try (Producer producer = client.newProducer()) {
      join(producer.sendAsync(message("orders-recover", 0)));
      Throwable t = failureOf(producer.sendAsync(message("explode", 1)));
      assertInstanceOf(BrokerUnavailableException.class, t);
      assertEquals(Status.Code.UNAVAILABLE, ((SluiceException) t).statusCode());
      assertEquals(Reason.STORAGE_ERROR, ((SluiceException) t).reason(), "trailer read on streams");

      SendReceipt r = join(producer.sendAsync(message("orders-recover", 2)));
      assertEquals(1, r.offset());
    }
    assertEquals(2, broker.produceStreams.get() - streamsBefore);
  }

  @Test
  void asyncSendMapsPerMessageStatusToTypedExceptions() throws Exception {
    try (Producer producer = client.newProducer()) {
      CompletionStage<SendReceipt> missing = producer.sendAsync(message("missing", 0));
      CompletionStage<SendReceipt> large =
          producer.sendAsync(
              Message.builder()
                  .topic("orders-large")
                  .body(new byte[FakeBroker.MAX_BODY_BYTES + 1])
                  .build());
      CompletionStage<SendReceipt> fine = producer.sendAsync(message("orders-large", 1));
      Throwable t = failureOf(missing);
      assertInstanceOf(TopicNotFoundException.class, t);
      assertEquals(Status.Code.NOT_FOUND, ((SluiceException) t).statusCode());
      assertInstanceOf(MessageTooLargeException.class, failureOf(large));
      assertEquals(0, join(fine).offset(), "one rejection does not fail its batch neighbours");
    }
  }

  @Test
  void aMessageLargerThanARequestMayBeIsRefusedWithoutFailingTheStream() throws Exception {
    int streamsBefore = broker.produceStreams.get();
    Message huge =
        Message.builder()
            .topic("orders-huge")
            .body(new byte[ProducerSettings.MAX_REQUEST_BYTES + 1])
            .build();
    try (Producer producer = client.newProducer()) {
      SendReceipt first = join(producer.sendAsync(message("orders-huge", 0)));
      assertInstanceOf(MessageTooLargeException.class, failureOf(producer.sendAsync(huge)));
      MessageTooLargeException e =
          assertThrows(
              MessageTooLargeException.class,
              () -> producer.send(List.of(huge, message("orders-huge", 1))));
      assertEquals(Reason.MESSAGE_TOO_LARGE, e.reason());
      assertEquals(first.offset() + 2, join(producer.sendAsync(message("orders-huge", 2))).offset());
    }
    assertEquals(null, broker.attemptsById.get(huge.messageId()), "never sent");
    assertEquals(1, broker.produceStreams.get() - streamsBefore, "the stream stayed up");
    assertThrows(
        IllegalArgumentException.class,
        () -> ProducerSettings.builder().batchSizeBytes(ProducerSettings.MAX_REQUEST_BYTES + 1).build());
  }

  @Test
  void syncSendRetriesBrokerBusyKeepingTheMessageId() {
    Message m = message("busy", 0);
    try (Producer producer = client.newProducer()) {
      SendReceipt r = producer.send(m);
      assertEquals(m.messageId(), r.messageId());
    }
    assertEquals(
        3, broker.attemptsById.get(m.messageId()).get(), "two busy answers, one success");
  }

  @Test
  void syncSendResendsAnUnknownOutcomeUnderTheSameIdAndGetsTheStoredReceipt() {
    Message first = message("unknown", 0);
    Message second = message("unknown", 1);
    try (Producer producer = client.newProducer()) {
      List<SendReceipt> receipts = producer.send(List.of(first, second));
      assertEquals(List.of(first.messageId(), second.messageId()),
          receipts.stream().map(SendReceipt::messageId).toList());
      assertEquals(broker.storedById.get(first.messageId()).getOffset(), receipts.get(0).offset());
      assertEquals(broker.storedById.get(second.messageId()).getOffset(), receipts.get(1).offset());
    }
    assertEquals(2, broker.attemptsById.get(first.messageId()).get(), "one unknown outcome, one resend");
    assertEquals(2, broker.attemptsById.get(second.messageId()).get());
  }

  @Test
  void syncSendGivesUpAfterMaxAttempts() {
    try (SluiceClient once =
            broker.clientBuilder()
                .maxAttempts(2)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .build();
        Producer producer = once.newProducer()) {
      Message m = message("busy", 0);
      BrokerBusyException e = assertThrows(BrokerBusyException.class, () -> producer.send(m));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.statusCode());
      assertEquals(2, broker.attemptsById.get(m.messageId()).get());
    }
  }

  @Test
  void syncSendMapsTheReasonTrailerOfAFailedStreamWithoutRetryingIt() {
    Message m = message("missing-rpc", 0);
    try (Producer producer = client.newProducer()) {
      TopicNotFoundException e = assertThrows(TopicNotFoundException.class, () -> producer.send(m));
      assertEquals(Reason.TOPIC_NOT_FOUND, e.reason());
      assertEquals(Status.Code.NOT_FOUND, e.statusCode());
    }
    assertEquals(1, broker.attemptsById.get(m.messageId()).get());
  }

  @Test
  void batchSendThrowsTheFirstRejectionWithTheOthersSuppressedAndStoresTheRest() {
    List<Message> batch =
        List.of(
            message("orders-batch", 0),
            Message.builder()
                .topic("orders-batch")
                .body(new byte[FakeBroker.MAX_BODY_BYTES + 1])
                .build(),
            message("missing", 2),
            message("orders-batch", 3));
    try (Producer producer = client.newProducer()) {
      MessageTooLargeException e =
          assertThrows(MessageTooLargeException.class, () -> producer.send(batch));
      assertEquals(1, e.getSuppressed().length);
      assertInstanceOf(TopicNotFoundException.class, e.getSuppressed()[0]);
    }
    assertEquals(2, broker.offsets.get("orders-batch").get());
    for (Message m : batch) {
      assertEquals(1, broker.attemptsById.get(m.messageId()).get(), "rejections are not retried");
    }
  }

  @Test
  void batchSendResendsOnlyTheMessagesRejectedAsBusy() {
    List<Message> batch =
        List.of(message("item-busy", 0), message("item-busy", 1), message("item-busy", 2));
    List<SendReceipt> receipts;
    try (Producer producer = client.newProducer()) {
      receipts = producer.send(batch);
    }
    assertEquals(3, receipts.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(batch.get(i).messageId(), receipts.get(i).messageId());
    }
    assertEquals(1, broker.attemptsById.get(batch.get(0).messageId()).get());
    assertEquals(2, broker.attemptsById.get(batch.get(1).messageId()).get());
    assertEquals(1, broker.attemptsById.get(batch.get(2).messageId()).get());
  }

  @Test
  void syncSendsFromManyThreadsGetTheirOwnReceiptsAndShareBatches() throws Exception {
    String topic = "orders-threads";
    int threads = 32;
    int perThread = 100;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    Set<Long> offsets = ConcurrentHashMap.newKeySet();
    try (Producer producer = client.newProducer()) {
      List<Future<?>> senders = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        senders.add(
            pool.submit(
                () -> {
                  long previous = -1;
                  for (int i = 0; i < perThread; i++) {
                    Message m = message(topic, thread * perThread + i);
                    SendReceipt r = producer.send(m);
                    assertEquals(m.messageId(), r.messageId());
                    assertEquals(topic, r.topic());
                    assertTrue(r.offset() > previous, "one thread's sends are stored in order");
                    assertTrue(offsets.add(r.offset()), "offset " + r.offset() + " given twice");
                    previous = r.offset();
                  }
                  return null;
                }));
      }
      for (Future<?> f : senders) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    int messages = threads * perThread;
    assertEquals(messages, offsets.size());
    assertEquals(messages, broker.offsets.get(topic).get(), "each message stored once");
    int frames = broker.framesFor(topic);
    assertTrue(frames < messages, "expected shared batches, got " + frames + " frames");
  }

  @Test
  void whileTheStreamIsFullNewMessagesGatherIntoTheBatchThatLeavesOnTheNextAnswer()
      throws Exception {
    String topic = "orders-gated";
    CompletableFuture<Void> gate = new CompletableFuture<>();
    broker.gates.put(topic, gate);
    ProducerSettings oneInFlight =
        ProducerSettings.builder().linger(Duration.ZERO).maxInFlightRequests(1).build();
    List<CompletableFuture<SendReceipt>> futures = new ArrayList<>();
    try (Producer producer = client.newProducer(oneInFlight)) {
      for (int i = 0; i < 10; i++) {
        futures.add(producer.sendAsync(message(topic, i)).toCompletableFuture());
      }
      gate.complete(null);
      for (int i = 0; i < 10; i++) {
        assertEquals(i, join(futures.get(i)).offset());
      }
    }
    assertEquals(2, broker.framesFor(topic), "the first message alone, the nine others together");
  }

  @Test
  void syncSendDoesNotWaitForTheLingerAndTakesLingeringMessagesAlong() throws Exception {
    String topic = "orders-no-linger";
    ProducerSettings longLinger = ProducerSettings.builder().linger(Duration.ofMinutes(5)).build();
    try (Producer producer = client.newProducer(longLinger)) {
      CompletionStage<SendReceipt> lingering = producer.sendAsync(message(topic, 0));
      SendReceipt r = producer.send(message(topic, 1));
      assertEquals(1, r.offset());
      assertEquals(0, join(lingering).offset());
    }
    assertEquals(1, broker.framesFor(topic));
  }

  @Test
  void aStreamFailureMidSendIsRetriedOnANewStreamKeepingEachIdOnce() throws Exception {
    String topic = "explode-once-sync";
    int threads = 8;
    int perList = 5;
    int streamsBefore = broker.produceStreams.get();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Message> all = new ArrayList<>();
    try (Producer producer = client.newProducer()) {
      List<Future<?>> senders = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        List<Message> list = new ArrayList<>();
        for (int i = 0; i < perList; i++) {
          list.add(message(topic, t * perList + i));
        }
        all.addAll(list);
        senders.add(
            pool.submit(
                () -> {
                  List<SendReceipt> receipts = producer.send(list);
                  assertEquals(perList, receipts.size());
                  for (int i = 0; i < perList; i++) {
                    assertEquals(list.get(i).messageId(), receipts.get(i).messageId());
                  }
                  return null;
                }));
      }
      for (Future<?> f : senders) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(all.size(), broker.offsets.get(topic).get(), "each message stored once");
    assertEquals(2, broker.produceStreams.get() - streamsBefore, "the failed stream was replaced");
    int resent = 0;
    for (Message m : all) {
      int attempts = broker.attemptsById.get(m.messageId()).get();
      assertTrue(attempts <= 2, m.messageId() + " was sent " + attempts + " times");
      resent += attempts - 1;
    }
    assertTrue(resent > 0, "the messages of the failed request were sent again");
  }

  /** Loads and compiles the client and broker paths, so a short request timeout measures the fake. */
  void warmUp() {
    try (Producer producer = client.newProducer()) {
      producer.send(message("orders-warm-up", 0));
    }
  }

  @Test
  void syncSendFailsWithTheRequestTimeoutAndIsNotRetried() {
    warmUp();
    try (SluiceClient impatient =
            broker.clientBuilder()
                .requestTimeout(Duration.ofMillis(300))
                .build();
        Producer producer = impatient.newProducer()) {
      Message m = message("stall", 0);
      BrokerUnavailableException e =
          assertThrows(BrokerUnavailableException.class, () -> producer.send(m));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.statusCode());
      assertEquals(1, broker.attemptsById.get(m.messageId()).get());
    }
  }

  @Test
  void pipelinedSendWithoutReceiptFailsAfterTheRequestTimeout() throws Exception {
    warmUp();
    int streamsBefore = broker.produceStreams.get();
    try (SluiceClient impatient =
            broker.clientBuilder()
                .requestTimeout(Duration.ofMillis(300))
                .build();
        Producer producer = impatient.newProducer()) {
      Throwable t = failureOf(producer.sendAsync(message("stall", 0)));
      assertInstanceOf(BrokerUnavailableException.class, t);
      assertEquals(Status.Code.DEADLINE_EXCEEDED, ((SluiceException) t).statusCode());
      assertEquals(0, join(producer.sendAsync(message("orders-after-stall", 1))).offset());
    }
    assertEquals(2, broker.produceStreams.get() - streamsBefore, "the stuck stream was replaced");
  }

  @Test
  void sendAfterCloseIsRejected() {
    Producer producer = client.newProducer();
    producer.close();
    assertInstanceOf(
        IllegalStateException.class, failureOf(producer.sendAsync(message("orders", 0))));
    assertThrows(IllegalStateException.class, () -> producer.send(message("orders", 0)));
  }
}
