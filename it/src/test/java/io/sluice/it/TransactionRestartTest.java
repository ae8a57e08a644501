package io.sluice.it;

import static io.sluice.it.TransactionTest.inParallel;
import static io.sluice.it.TransactionTest.WAIT;
import static io.sluice.it.TransactionTest.message;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Transaction;
import io.sluice.client.TransactionInfo;
import io.sluice.client.TransactionResolution;
import io.sluice.client.TransactionalProducer;
import io.sluice.client.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions across a broker crash (issue #5): 1,000 open transactions survive a SIGKILL, and the
 * commits and rollbacks sent after the restart resolve every one of them; the checks of an open
 * transaction resume by themselves after the restart; nothing committed is
 * lost, nothing rolled back appears.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class TransactionRestartTest {
  @TempDir Path tmp;
  final Opened opened = new Opened();

  @AfterEach
  void cleanUp() throws Exception {
    opened.close();
  }

  @Test
  void thousandOpenTransactionsSurviveASigkillAndResolveAfterTheRestart() throws Exception {
    Path data = tmp.resolve("data");
    // checks never come during the test: the outcomes sent after the restart decide
    String slowChecks = "-Dsluice.transactions.check-time=10m";
    BrokerProcess first = BrokerProcess.start(data, slowChecks);
    opened.add(first);
    // one client throughout: the restarted node binds the same port and the client reconnects
    SluiceClient client = opened.add(first.newClient());
    String topic = "restart-tx";
    String group = "restart-service";
    client.admin().createTopic(topic, 8, MessageType.TRANSACTION);
    TransactionalProducer producer =
        opened.add(client.newTransactionalProducer(group, check -> TransactionResolution.UNKNOWN));

    int count = 1_000;
    Map<String, String> messageOf = new ConcurrentHashMap<>(); // transaction id -> message id
    List<Transaction> transactions =
        inParallel(
            8,
            count,
            i -> {
              Transaction tx = producer.beginTransaction();
              messageOf.put(tx.id(), tx.send(message(topic, "restart-" + i)).messageId());
              return tx;
            });
    assertEquals(count, client.admin().listOpenTransactions(group).size());

    long killedAt = System.nanoTime();
    sigkillAndRestart(first, data, client, slowChecks);
    System.out.printf(
        "[it] node killed with %d open transactions, serving again after %d ms%n",
        count, (System.nanoTime() - killedAt) / 1_000_000);
    List<TransactionInfo> survived = client.admin().listOpenTransactions(group);
    assertEquals(
        messageOf.keySet(),
        new HashSet<>(survived.stream().map(TransactionInfo::transactionId).toList()),
        "open transactions after the restart");

    Set<String> committed = ConcurrentHashMap.newKeySet();
    inParallel(
        8,
        count,
        i -> {
          Transaction tx = transactions.get(i);
          if (i % 2 == 0) {
            tx.commit();
            committed.add(messageOf.get(tx.id()));
          } else {
            tx.rollback();
          }
          return null;
        });

    assertEquals(committed, RestartTest.readAll(client, "after-restart", topic).keySet());
    assertEquals(List.of(), client.admin().listOpenTransactions(group));
    assertEquals(List.of(), client.admin().listTransactionsResolvedByMaxChecks(group));
  }

  @Test
  void checksOfAnOpenTransactionResumeAfterASigkillWithoutAnyOtherTraffic() throws Exception {
    Path data = tmp.resolve("data");
    // the first check is due after the kill: only the restarted node can send it
    String checks = "-Dsluice.transactions.check-time=3s";
    BrokerProcess first = BrokerProcess.start(data, checks);
    opened.add(first);
    SluiceClient client = opened.add(first.newClient());
    String topic = "resumed-tx";
    client.admin().createTopic(topic, 2, MessageType.TRANSACTION);
    Set<String> checked = ConcurrentHashMap.newKeySet();
    TransactionalProducer producer = opened.add(client.newTransactionalProducer("resumed-service", check -> {
      checked.add(check.transactionId());
      return TransactionResolution.COMMIT;
    }));
    Transaction tx = producer.beginTransaction();
    String messageId = tx.send(message(topic, "decided by the check")).messageId();

    sigkillAndRestart(first, data, client, checks);
    // nothing but the node's start wakes the transaction log: no send, no end, no listing
    Await.until("the restarted node checked the open transaction", WAIT, () -> checked.contains(tx.id()));
    // a new group per look: a look before the append reads nothing and returns at once
    Await.until("the committed message stored", WAIT,
        () -> RestartTest.readAll(client, "after-check-" + System.nanoTime(), topic).containsKey(messageId));
    assertEquals(List.of(), client.admin().listOpenTransactions("resumed-service"));
  }

  /** Kills {@code first}, restarts its data on the same gRPC port, and waits until {@code client} is served again. */
  private BrokerProcess sigkillAndRestart(BrokerProcess first, Path data, SluiceClient client, String jvmArg)
      throws Exception {
    int port = first.grpcPort();
    first.sigkill();
    first.waitFor(Duration.ofSeconds(30));
    BrokerProcess second = BrokerProcess.start(data, jvmArg, "-Dsluice.gateway.grpc.port=" + port);
    opened.add(second);
    Await.until(
        "the client reconnected to the restarted node",
        WAIT,
        () -> {
          try {
            client.admin().listTopics();
            return true;
          } catch (SluiceException stillDown) {
            return false;
          }
        });
    return second;
  }
}
