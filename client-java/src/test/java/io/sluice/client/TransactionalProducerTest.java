package io.sluice.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.protocol.v1.EndTransactionRequest;
import io.sluice.protocol.v1.QueueRef;
import io.sluice.protocol.v1.TransactionChecksRequest;
import io.sluice.protocol.v1.TransactionRef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Transactional producer, transactions and check-backs against the in-test {@link FakeBroker}. */
class TransactionalProducerTest {
  static final long WAIT_S = 30;
  static ActorSystem system;
  static FakeBroker broker;
  static FakeTransactions txns;
  SluiceClient client;

  @BeforeAll
  static void startBroker() throws Exception {
    system = FakeBroker.serverSystem("txn-producer-test");
    broker = FakeBroker.start(system);
    txns = broker.transactions;
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
        .keys("order-" + i)
        .body(("payload-" + i).getBytes(StandardCharsets.UTF_8))
        .build();
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  static List<EndTransactionRequest> endRequestsOf(String transactionId) {
    return txns.endRequests.stream()
        .filter(r -> r.getTransactionId().equals(transactionId))
        .toList();
  }

  /** The check stream opened by the producer of {@code group}, once its first request arrived. */
  static FakeTransactions.CheckStream checkStreamOf(String group, int nth) throws Exception {
    await(
        () ->
            txns.checkStreams.stream()
                    .filter(s -> s.hello.isDone() && s.hello.join().getProducerGroup().equals(group))
                    .count()
                >= nth,
        "check stream " + nth + " of " + group);
    return txns.checkStreams.stream()
        .filter(s -> s.hello.isDone() && s.hello.join().getProducerGroup().equals(group))
        .skip(nth - 1)
        .findFirst()
        .orElseThrow();
  }

  static TransactionChecker never() {
    return check -> {
      throw new AssertionError("no check expected");
    };
  }

  static io.sluice.protocol.v1.TransactionCheck check(String group, String id, int queueId) {
    return io.sluice.protocol.v1.TransactionCheck.newBuilder()
        .setTransaction(TransactionRef.newBuilder().setTransactionId(id).setProducerGroup(group))
        .setQueue(QueueRef.newBuilder().setTopic("txn-orders").setQueueId(queueId))
        .setMessage(
            FakeBroker.storedMessage("txn-orders", 7).toBuilder().clearQueueId().setOffset(-1))
        .setCheckCount(2)
        .setPreparedAtMs(1_234)
        .build();
  }

  @Test
  void halfMessagesCarryTheTransactionAndCommitNamesTheirDistinctQueues() {
    try (TransactionalProducer producer = client.newTransactionalProducer("shop", never())) {
      Transaction tx = producer.beginTransaction();
      List<SendReceipt> receipts =
          tx.send(List.of(message("txn-orders", 0), message("txn-orders", 1)));
      receipts = new java.util.ArrayList<>(receipts);
      receipts.add(tx.send(message("txn-orders", 2)));
      receipts.add(tx.send(message("txn-orders", 3)));

      List<io.sluice.protocol.v1.Message> half =
          txns.halfMessages.stream()
              .filter(m -> m.getTransaction().getTransactionId().equals(tx.id()))
              .toList();
      assertEquals(4, half.size());
      half.forEach(m -> assertEquals("shop", m.getTransaction().getProducerGroup()));
      receipts.forEach(r -> assertEquals(-1, r.offset(), "a half message has no offset yet"));

      tx.commit();

      List<EndTransactionRequest> ends = endRequestsOf(tx.id());
      assertEquals(1, ends.size());
      EndTransactionRequest end = ends.get(0);
      assertEquals("shop", end.getProducerGroup());
      assertEquals(io.sluice.protocol.v1.TransactionResolution.COMMIT, end.getResolution());
      assertEquals(false, end.getFromCheck());
      Set<Integer> receiptQueues =
          receipts.stream().map(SendReceipt::queueId).collect(Collectors.toSet());
      assertEquals(FakeTransactions.QUEUES, receiptQueues.size(), "spread over every queue");
      assertEquals(
          receiptQueues,
          end.getQueuesList().stream().map(QueueRef::getQueueId).collect(Collectors.toSet()));
      assertEquals(receiptQueues.size(), end.getQueuesCount(), "each queue named once");
      end.getQueuesList().forEach(q -> assertEquals("txn-orders", q.getTopic()));
    }
  }

  @Test
  void halfMessagesRefusedBusyAreResentWithTheirIdsAndTransaction() {
    try (TransactionalProducer producer = client.newTransactionalProducer("shop", never())) {
      Transaction tx = producer.beginTransaction();
      Message m = message("txn-busy", 0);

      SendReceipt r = tx.send(m);

      assertEquals(m.messageId(), r.messageId());
      List<io.sluice.protocol.v1.Message> attempts =
          txns.halfMessages.stream().filter(h -> h.getMessageId().equals(m.messageId())).toList();
      assertEquals(2, attempts.size(), "refused once, then stored");
      attempts.forEach(h -> assertEquals(tx.id(), h.getTransaction().getTransactionId()));
    }
  }

  @Test
  void rollbackIsFinalAndRepeatingAnOutcomeIsHarmless() {
    try (TransactionalProducer producer = client.newTransactionalProducer("shop", never())) {
      Transaction tx = producer.beginTransaction();
      tx.send(message("txn-orders", 0));
      tx.rollback();
      tx.rollback();

      assertThrows(IllegalStateException.class, () -> tx.send(message("txn-orders", 1)));
      TransactionResolvedException e = assertThrows(TransactionResolvedException.class, tx::commit);
      assertEquals(Reason.TRANSACTION_RESOLVED, e.reason());
      List<EndTransactionRequest> ends = endRequestsOf(tx.id());
      assertEquals(1, ends.size(), "the repeat and the refused commit send nothing");
      assertEquals(io.sluice.protocol.v1.TransactionResolution.ROLLBACK, ends.get(0).getResolution());

      Transaction committed = producer.beginTransaction();
      committed.send(message("txn-orders", 2));
      committed.commit();
      committed.commit();
      assertThrows(TransactionResolvedException.class, committed::rollback);
      assertEquals(1, endRequestsOf(committed.id()).size());
    }
  }

  @Test
  void brokerResolvedTransactionGivesTransactionResolvedAndRecordsTheOtherOutcome() {
    try (TransactionalProducer producer = client.newTransactionalProducer("shop", never())) {
      Transaction tx = producer.beginTransaction();
      tx.send(message("txn-orders", 0));
      // the broker ran out of checks and rolled it back
      txns.resolve(tx.id(), io.sluice.protocol.v1.TransactionResolution.ROLLBACK);

      TransactionResolvedException e = assertThrows(TransactionResolvedException.class, tx::commit);
      assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, e.statusCode());
      tx.rollback();
      assertEquals(1, endRequestsOf(tx.id()).size(), "rollback knows the outcome already");
      assertThrows(IllegalStateException.class, () -> tx.send(message("txn-orders", 1)));
    }
  }

  @Test
  void unknownTransactionGivesTransactionNotFound() {
    try (TransactionalProducer producer = client.newTransactionalProducer("shop", never())) {
      Transaction tx = producer.beginTransaction();
      tx.send(message("txn-orders", 0));
      txns.forget(tx.id());

      TransactionNotFoundException e =
          assertThrows(TransactionNotFoundException.class, tx::commit);
      assertEquals(Reason.TRANSACTION_NOT_FOUND, e.reason());
      assertEquals(io.grpc.Status.Code.NOT_FOUND, e.statusCode());
    }
  }

  @Test
  void halfMessageToATopicThatIsNotTransactionalGivesMessageTypeMismatch() {
    try (TransactionalProducer producer = client.newTransactionalProducer("shop", never())) {
      Transaction tx = producer.beginTransaction();
      MessageTypeMismatchException e =
          assertThrows(MessageTypeMismatchException.class, () -> tx.send(message("orders", 0)));
      assertEquals(Reason.MESSAGE_TYPE_MISMATCH, e.reason());

      tx.commit(); // nothing was stored: a local outcome, no request
      assertTrue(endRequestsOf(tx.id()).isEmpty());
    }
  }

  @Test
  void aPlainMessageToATransactionTopicGivesMessageTypeMismatch() {
    try (Producer producer = client.newProducer()) {
      assertThrows(MessageTypeMismatchException.class, () -> producer.send(message("txn-orders", 0)));
    }
  }

  @Test
  void commitIsRetriedWhenTheBrokerIsUnavailable() {
    try (TransactionalProducer producer = client.newTransactionalProducer("shop", never())) {
      Transaction tx = producer.beginTransaction();
      tx.send(message("txn-orders", 0));
      txns.endFailures.set(1);

      tx.commit();

      List<EndTransactionRequest> ends = endRequestsOf(tx.id());
      assertEquals(2, ends.size());
      assertEquals(ends.get(0), ends.get(1), "the retry repeats the same request");
    }
  }

  @Test
  void checkerAnswersACheckOnItsOwnThreadWithFromCheckAndTheCheckedQueue() throws Exception {
    BlockingQueue<TransactionCheck> seen = new LinkedBlockingQueue<>();
    CompletableFuture<String> checkerThread = new CompletableFuture<>();
    TransactionalProducerSettings settings =
        TransactionalProducerSettings.builder("billing").clientId("billing-1").build();
    try (TransactionalProducer producer =
        client.newTransactionalProducer(
            settings,
            check -> {
              checkerThread.complete(Thread.currentThread().getName());
              seen.add(check);
              return TransactionResolution.COMMIT;
            })) {
      FakeTransactions.CheckStream stream = checkStreamOf("billing", 1);
      TransactionChecksRequest hello = stream.hello.join();
      assertEquals("billing-1", hello.getClientId());
      QueueRef queue = QueueRef.newBuilder().setTopic("txn-orders").setQueueId(1).build();
      txns.prepare("t-checked", queue);

      stream.send(check("billing", "t-checked", 1));

      TransactionCheck c = seen.poll(WAIT_S, TimeUnit.SECONDS);
      assertEquals("t-checked", c.transactionId());
      assertEquals("billing", c.producerGroup());
      assertEquals(2, c.checkCount());
      assertEquals(Instant.ofEpochMilli(1_234), c.preparedAt());
      assertEquals("m-7", c.message().messageId());
      assertEquals("txn-orders", c.message().topic());
      assertEquals(1, c.message().queueId(), "the view names the checked queue");
      assertEquals("payload-7", new String(c.message().bodyBytes(), StandardCharsets.UTF_8));
      assertTrue(
          checkerThread.join().startsWith("sluice-txn-checker-billing"), checkerThread.join());

      await(() -> !endRequestsOf("t-checked").isEmpty(), "the checker's answer");
      EndTransactionRequest answer = endRequestsOf("t-checked").get(0);
      assertEquals(io.sluice.protocol.v1.TransactionResolution.COMMIT, answer.getResolution());
      assertTrue(answer.getFromCheck());
      assertEquals("billing", answer.getProducerGroup());
      assertEquals(List.of(queue), answer.getQueuesList());
    }
  }

  @Test
  void aThrowingCheckerAnswersUnknown() throws Exception {
    try (TransactionalProducer producer =
        client.newTransactionalProducer(
            "risky",
            check -> {
              throw new IllegalStateException("database down");
            })) {
      FakeTransactions.CheckStream stream = checkStreamOf("risky", 1);
      txns.prepare("t-risky", QueueRef.newBuilder().setTopic("txn-orders").setQueueId(0).build());

      stream.send(check("risky", "t-risky", 0));

      await(() -> !endRequestsOf("t-risky").isEmpty(), "the UNKNOWN answer");
      EndTransactionRequest answer = endRequestsOf("t-risky").get(0);
      assertEquals(io.sluice.protocol.v1.TransactionResolution.UNKNOWN, answer.getResolution());
      assertTrue(answer.getFromCheck());
    }
  }

  @Test
  void theCheckStreamIsReopenedAfterTheBrokerBreaksItAndClosedWithTheProducer() throws Exception {
    TransactionalProducer producer =
        client.newTransactionalProducer("sturdy", check -> TransactionResolution.ROLLBACK);
    FakeTransactions.CheckStream first = checkStreamOf("sturdy", 1);

    first.breakIt();

    FakeTransactions.CheckStream second = checkStreamOf("sturdy", 2);
    txns.prepare("t-sturdy", QueueRef.newBuilder().setTopic("txn-orders").setQueueId(2).build());
    second.send(check("sturdy", "t-sturdy", 2));
    await(() -> !endRequestsOf("t-sturdy").isEmpty(), "the answer over the reopened stream");
    assertEquals(
        io.sluice.protocol.v1.TransactionResolution.ROLLBACK,
        endRequestsOf("t-sturdy").get(0).getResolution());

    producer.close();
    second.ended.get(WAIT_S, TimeUnit.SECONDS);
    assertEquals(
        2,
        txns.checkStreams.stream()
            .filter(s -> s.hello.isDone() && s.hello.join().getProducerGroup().equals("sturdy"))
            .count(),
        "no stream is reopened after close");
    assertThrows(IllegalStateException.class, producer::beginTransaction);
  }

  @Test
  void adminListsOpenTransactionsAndThoseResolvedByMaxChecks() {
    TransactionInfo info =
        new TransactionInfo(
            "t-0", "shop", "txn-orders", 2, List.of("m-1", "m-2"), Instant.ofEpochMilli(1_000), 15);
    List<TransactionInfo> open = client.admin().listOpenTransactions("shop");
    assertEquals(List.of(info), open);
    assertEquals(Duration.ofSeconds(1), open.get(0).age(Instant.ofEpochMilli(2_000)));

    List<ResolvedTransaction> resolved = client.admin().listTransactionsResolvedByMaxChecks("shop");
    ResolvedTransaction expected =
        new ResolvedTransaction(
            new TransactionInfo(
                "t-1", "shop", "txn-orders", 2, List.of("m-1", "m-2"), Instant.ofEpochMilli(1_000), 15),
            TransactionResolution.ROLLBACK,
            Instant.ofEpochMilli(5_000));
    assertEquals(List.of(expected), resolved);
    assertEquals(
        List.of(
            io.sluice.protocol.v1.TransactionState.OPEN,
            io.sluice.protocol.v1.TransactionState.RESOLVED_BY_MAX_CHECKS),
        txns.listRequests.stream()
            .filter(r -> r.getProducerGroup().equals("shop"))
            .map(io.sluice.protocol.v1.ListTransactionsRequest::getState)
            .toList());
  }
}
