package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.sluice.client.ConsumeResult;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.MessageTypeMismatchException;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.Reason;
import io.sluice.client.ResolvedTransaction;
import io.sluice.client.SendReceipt;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Transaction;
import io.sluice.client.TransactionCheck;
import io.sluice.client.TransactionInfo;
import io.sluice.client.TransactionResolution;
import io.sluice.client.TransactionResolvedException;
import io.sluice.client.TransactionalProducer;
import io.sluice.protocol.v1.EndTransactionRequest;
import io.sluice.protocol.v1.QueueRef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactional messages through client-java against a real node (issue #5): consumers see
 * exactly the committed messages, once, and never a half message; a killed producer's
 * transactions are decided by another producer of its group through check-backs; a checker that
 * never decides meets the max-checks rule. {@link TransactionRestartTest}: open transactions
 * survive a SIGKILL of the broker.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class TransactionTest {
  static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path tmp;
  final Opened opened = new Opened();

  @AfterEach
  void cleanUp() throws Exception {
    opened.close();
  }

  private <T extends AutoCloseable> T open(T resource) {
    return opened.add(resource);
  }

  static Message message(String topic, String body) {
    return Message.builder().topic(topic).body(body.getBytes(StandardCharsets.UTF_8)).build();
  }

  /**
   * What a push consumer running throughout receives: deliveries per message id, queue slots, and
   * the deliveries that came before the test had asked to commit their transaction (half messages
   * leaking).
   */
  private static final class Received {
    final Map<String, Integer> deliveries = new ConcurrentHashMap<>();
    final Set<String> slots = ConcurrentHashMap.newKeySet();
    final List<String> slotsTwice = new CopyOnWriteArrayList<>();
    final List<String> beforeCommit = new CopyOnWriteArrayList<>();
    private final Predicate<String> commitAsked;

    Received(Predicate<String> commitAsked) {
      this.commitAsked = commitAsked;
    }

    ConsumeResult record(MessageView m) {
      if (!commitAsked.test(m.messageId())) {
        beforeCommit.add(m.messageId());
      }
      deliveries.merge(m.messageId(), 1, Integer::sum);
      if (!slots.add(m.queueId() + "@" + m.offset())) {
        slotsTwice.add(m.queueId() + "@" + m.offset());
      }
      return ConsumeResult.SUCCESS;
    }

    void assertExactlyOnce(Set<String> committed) {
      assertEquals(List.of(), beforeCommit, "delivered before its transaction was committed");
      assertEquals(committed, deliveries.keySet(), "delivered message ids");
      deliveries.forEach((id, n) -> assertEquals(1, n, "deliveries of " + id));
      assertEquals(List.of(), slotsTwice, "queue offsets delivered twice");
    }
  }

  /** A node with its data in the test's temp folder and the given check-back settings. */
  private BrokerProcess startNode(Duration checkTime, Duration checkInterval, int maxChecks) {
    return open(
        BrokerProcess.start(
            tmp.resolve("data"),
            "-Dsluice.transactions.check-time=" + checkTime.toMillis() + "ms",
            "-Dsluice.transactions.check-interval=" + checkInterval.toMillis() + "ms",
            "-Dsluice.transactions.max-checks=" + maxChecks));
  }

  /** Runs {@code count} tasks on {@code threads} threads and waits for all of them. */
  static <T> List<T> inParallel(int threads, int count, IntFunction<T> task)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<T>> futures = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int index = i;
        futures.add(pool.submit(() -> task.apply(index)));
      }
      List<T> results = new ArrayList<>(count);
      for (Future<T> f : futures) {
        results.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void thousandConcurrentTransactionsOfFourProducersDeliverExactlyTheCommittedMessages()
      throws Exception {
    BrokerProcess node = open(BrokerProcess.start(tmp.resolve("data")));
    SluiceClient client = open(node.newClient());
    String topic = "orders-tx";
    String group = "order-service";
    client.admin().createTopic(topic, 8, MessageType.TRANSACTION);

    Map<String, String> transactionOf = new ConcurrentHashMap<>(); // message id -> transaction id
    Map<String, TransactionResolution> decided = new ConcurrentHashMap<>();
    Received received =
        new Received(id -> decided.get(transactionOf.getOrDefault(id, "")) == TransactionResolution.COMMIT);
    open(client.newPushConsumer("audit", topic, received::record));
    // a checker that reports what was decided, and UNKNOWN while the test has not decided yet
    List<TransactionalProducer> producers = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      SluiceClient own = open(node.newClient());
      producers.add(
          open(
              own.newTransactionalProducer(
                  group,
                  check -> decided.getOrDefault(check.transactionId(), TransactionResolution.UNKNOWN))));
    }

    int count = 1_000;
    long openStart = System.nanoTime();
    List<Transaction> transactions =
        inParallel(
            16,
            count,
            i -> {
              Transaction tx = producers.get(i % 4).beginTransaction();
              List<Message> messages = new ArrayList<>();
              for (int m = 0; m < 1 + i % 2; m++) {
                messages.add(message(topic, "order-" + i + "-" + m));
              }
              for (SendReceipt r : tx.send(messages)) {
                assertEquals(-1, r.offset(), "a half message has no offset");
                transactionOf.put(r.messageId(), tx.id());
              }
              return tx;
            });
    long openMs = (System.nanoTime() - openStart) / 1_000_000;
    assertEquals(count, client.admin().listOpenTransactions(group).stream()
        .map(TransactionInfo::transactionId).distinct().count(), "open transactions");

    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(5));
    long endStart = System.nanoTime();
    inParallel(
        16,
        count,
        k -> {
          int i = order.get(k);
          Transaction tx = transactions.get(i);
          TransactionResolution outcome =
              i % 3 == 0 ? TransactionResolution.ROLLBACK : TransactionResolution.COMMIT;
          decided.put(tx.id(), outcome); // before the call: consumers may see it at once
          if (outcome == TransactionResolution.COMMIT) {
            tx.commit();
          } else {
            tx.rollback();
          }
          return null;
        });
    long endMs = (System.nanoTime() - endStart) / 1_000_000;
    Set<String> committed = new HashSet<>();
    transactionOf.forEach(
        (messageId, txId) -> {
          if (decided.get(txId) == TransactionResolution.COMMIT) {
            committed.add(messageId);
          }
        });
    System.out.printf(
        "[it] %d transactions (%d messages) opened by 4 producers in %d ms, ended in %d ms; %d messages"
            + " committed%n",
        count, transactionOf.size(), openMs, endMs, committed.size());

    Await.until(
        "every committed message delivered",
        WAIT,
        () -> received.deliveries.keySet().containsAll(committed),
        () -> received.deliveries.size() + " of " + committed.size());
    // a fresh group reads the whole topic: exactly the committed messages are stored
    assertEquals(committed, RestartTest.readAll(client, "auditors", topic).keySet());
    received.assertExactlyOnce(committed);
    assertEquals(List.of(), client.admin().listOpenTransactions(group));
    assertEquals(List.of(), client.admin().listTransactionsResolvedByMaxChecks(group));
  }

  @Test
  void aSecondProducerOfTheGroupAnswersTheCheckBacksOfAKilledProducer() throws Exception {
    BrokerProcess node = startNode(Duration.ofSeconds(2), Duration.ofSeconds(1), 10);
    SluiceClient client = open(node.newClient());
    String topic = "payments-tx";
    String group = "payment-service";
    client.admin().createTopic(topic, 4, MessageType.TRANSACTION);
    Set<String> commitIds = ConcurrentHashMap.newKeySet();
    Set<String> committed = ConcurrentHashMap.newKeySet(); // message ids, known before any commit
    Received received = new Received(committed::contains);
    open(client.newPushConsumer("ledger", topic, received::record));

    var run = HalfMessageProducer.run(node.endpoint(), group, topic, 20);
    Process killed = run.getKey();
    killed.destroyForcibly(); // SIGKILL: sent, not decided
    assertTrue(killed.waitFor(30, TimeUnit.SECONDS), "producer process gone");
    Map<String, String> halfByTransaction = run.getValue();
    assertEquals(20, halfByTransaction.size());
    List<String> ids = new ArrayList<>(halfByTransaction.keySet());
    commitIds.addAll(ids.subList(0, 10));
    for (String id : commitIds) {
      committed.add(halfByTransaction.get(id));
    }

    Map<String, List<Integer>> checks = new ConcurrentHashMap<>();
    TransactionalProducer second =
        open(
            open(node.newClient())
                .newTransactionalProducer(
                    group,
                    check -> {
                      checks
                          .computeIfAbsent(check.transactionId(), id -> new CopyOnWriteArrayList<>())
                          .add(check.checkCount());
                      return commitIds.contains(check.transactionId())
                          ? TransactionResolution.COMMIT
                          : TransactionResolution.ROLLBACK;
                    }));

    Await.until(
        "the killed producer's transactions resolved",
        WAIT,
        () -> client.admin().listOpenTransactions(group).isEmpty(),
        () -> checks.size() + " transactions checked");
    Await.until(
        "the committed half messages delivered",
        WAIT,
        () -> received.deliveries.keySet().containsAll(committed),
        () -> received.deliveries.keySet() + " of " + committed);
    assertEquals(new HashSet<>(ids), checks.keySet(), "every transaction checked by the second producer");

    // a sentinel prepared now is first checked a check time later: by then a check still coming
    // for a resolved transaction would have come
    Transaction sentinel = second.beginTransaction();
    sentinel.send(message(topic, "sentinel"));
    Await.until("the sentinel checked", WAIT, () -> checks.containsKey(sentinel.id()));
    for (String id : ids) {
      assertEquals(1, checks.get(id).size(), "checks of " + id + " after its answer: " + checks.get(id));
    }
    assertEquals(committed, RestartTest.readAll(client, "auditors", topic).keySet());
    received.assertExactlyOnce(committed);
    assertEquals(List.of(), client.admin().listTransactionsResolvedByMaxChecks(group));
  }

  /** A check as the checker saw it, and when. */
  private record Checked(TransactionCheck check, long atNanos) {}

  @Test
  void aCheckerThatNeverDecidesMeetsTheMaxChecksRuleAndMisuseGetsTypedErrors() throws Exception {
    BrokerProcess node = startNode(Duration.ofSeconds(1), Duration.ofSeconds(1), 4);
    SluiceClient client = open(node.newClient());
    String topic = "undecided-tx";
    String group = "undecided-service";
    client.admin().createTopic(topic, 2, MessageType.TRANSACTION);
    client.admin().createTopic("plain", 2, MessageType.NORMAL);
    Received received = new Received(id -> false);
    open(client.newPushConsumer("watchers", topic, received::record));

    List<Checked> checked = new CopyOnWriteArrayList<>();
    TransactionalProducer producer =
        open(
            client.newTransactionalProducer(
                group,
                check -> {
                  checked.add(new Checked(check, System.nanoTime()));
                  return TransactionResolution.UNKNOWN;
                }));
    Transaction tx = producer.beginTransaction();
    long sentAtNanos = System.nanoTime();
    SendReceipt receipt = tx.send(message(topic, "never decided"));

    List<TransactionInfo> open = client.admin().listOpenTransactions(group);
    assertEquals(1, open.size(), open.toString());
    assertEquals(tx.id(), open.get(0).transactionId());
    assertEquals(topic, open.get(0).topic());
    assertEquals(receipt.queueId(), open.get(0).queueId());
    assertEquals(List.of(receipt.messageId()), open.get(0).messageIds());
    assertTrue(open.get(0).age(Instant.now()).compareTo(Duration.ofMinutes(1)) < 0, open.toString());

    Await.until(
        "the transaction resolved by the max-checks rule",
        WAIT,
        () -> !client.admin().listTransactionsResolvedByMaxChecks(group).isEmpty(),
        () -> checked.size() + " checks");
    List<TransactionCheck> checks = checked.stream().map(Checked::check).toList();
    List<Long> checkedAtNanos = checked.stream().map(Checked::atNanos).toList();
    ResolvedTransaction resolved = client.admin().listTransactionsResolvedByMaxChecks(group).get(0);
    assertEquals(tx.id(), resolved.transaction().transactionId());
    assertEquals(List.of(receipt.messageId()), resolved.transaction().messageIds());
    assertEquals(4, resolved.transaction().checkCount());
    assertEquals(TransactionResolution.ROLLBACK, resolved.resolution());
    assertEquals(List.of(), client.admin().listOpenTransactions(group));

    assertEquals(List.of(1, 2, 3, 4), checks.stream().map(TransactionCheck::checkCount).toList());
    checks.forEach(c -> assertEquals(receipt.messageId(), c.message().messageId()));
    checks.forEach(c -> assertEquals(receipt.queueId(), c.message().queueId()));
    // check n is due at prepared + check time + (n - 1) intervals (the broker's tick may send it
    // later, never earlier), and the half message was prepared after the send began
    List<Long> sinceSendMs = new ArrayList<>();
    for (long at : checkedAtNanos) {
      sinceSendMs.add((at - sentAtNanos) / 1_000_000);
    }
    System.out.printf("[it] check-time 1 s, interval 1 s: checks %s ms after the send%n", sinceSendMs);
    for (int n = 1; n <= sinceSendMs.size(); n++) {
      // 50 ms for the broker's wall clock against this JVM's nanoTime
      assertTrue(sinceSendMs.get(n - 1) >= n * 1_000L - 50, "check " + n + " early: " + sinceSendMs);
    }

    TransactionResolvedException late = assertThrows(TransactionResolvedException.class, tx::commit);
    assertEquals(Reason.TRANSACTION_RESOLVED, late.reason());
    assertEquals(Status.Code.FAILED_PRECONDITION, late.statusCode());
    tx.rollback(); // what the broker applied: harmless

    Transaction misplaced = producer.beginTransaction();
    MessageTypeMismatchException notTransactional =
        assertThrows(MessageTypeMismatchException.class, () -> misplaced.send(message("plain", "x")));
    assertEquals(Reason.MESSAGE_TYPE_MISMATCH, notTransactional.reason());
    try (Producer plain = client.newProducer()) {
      assertThrows(MessageTypeMismatchException.class, () -> plain.send(message(topic, "no transaction")));
    }
    Transaction rolledBack = producer.beginTransaction();
    rolledBack.send(message(topic, "rolled back"));
    rolledBack.rollback();
    assertThrows(TransactionResolvedException.class, rolledBack::commit);
    assertThrows(IllegalStateException.class, () -> rolledBack.send(message(topic, "too late")));
    try (RawGrpc raw = new RawGrpc(node.grpcPort())) {
      RawGrpc.Failure unknown =
          RawGrpc.failureOf(
              raw.messaging.endTransaction(
                  EndTransactionRequest.newBuilder()
                      .setProducerGroup(group)
                      .setTransactionId("never-sent")
                      .setResolution(io.sluice.protocol.v1.TransactionResolution.COMMIT)
                      .addQueues(QueueRef.newBuilder().setTopic(topic).setQueueId(0))
                      .build()));
      assertEquals(Status.Code.NOT_FOUND, unknown.code());
      assertEquals("TRANSACTION_NOT_FOUND", unknown.reason());
    }

    assertEquals(Map.of(), RestartTest.readAll(client, "auditors", topic));
    assertEquals(Map.of(), received.deliveries);
    assertEquals(4, checked.size(), "no check after the max-checks outcome, none of the others");
  }
}
