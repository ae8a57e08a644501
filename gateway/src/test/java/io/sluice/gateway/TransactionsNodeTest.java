package io.sluice.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.protocol.v1.AdminServiceClient;
import io.sluice.protocol.v1.CreateTopicRequest;
import io.sluice.protocol.v1.EndTransactionRequest;
import io.sluice.protocol.v1.ListTransactionsRequest;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.MessagingServiceClient;
import io.sluice.protocol.v1.QueueRef;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.ReceiveRequest;
import io.sluice.protocol.v1.SendReceipt;
import io.sluice.protocol.v1.SendRequest;
import io.sluice.protocol.v1.Topic;
import io.sluice.protocol.v1.TransactionCheck;
import io.sluice.protocol.v1.TransactionChecksRequest;
import io.sluice.protocol.v1.TransactionRef;
import io.sluice.protocol.v1.TransactionResolution;
import io.sluice.protocol.v1.TransactionState;
import io.sluice.protocol.v1.TransactionSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions through the gateway's gRPC services on an in-process node (raw protocol, no client
 * library): half messages are invisible until committed, outcomes are final, refusals carry their
 * reason, a check-back reaches an open TransactionChecks stream and its answer counts, and the
 * max-checks rule resolves and lists a transaction nobody answers.
 */
class TransactionsNodeTest {
  private static final Metadata.Key<String> REASON =
      Metadata.Key.of(BrokerException.REASON_TRAILER, Metadata.ASCII_STRING_MARSHALLER);

  @TempDir static Path dir;
  static BrokerNode node;
  static MessagingServiceClient messaging;
  static AdminServiceClient admin;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dir, "sluice.transactions { check-time = 300ms, check-interval = 300ms, max-checks = 2 }");
    ActorSystem<Void> system = node.system();
    GrpcClientSettings settings = GrpcClientSettings.connectToServiceAt("127.0.0.1", node.grpcPort(), system)
        .withTls(false);
    messaging = MessagingServiceClient.create(settings, system);
    admin = AdminServiceClient.create(settings, system);
    for (String topic : List.of("payments", "checked", "unanswered")) {
      get(admin.createTopic(CreateTopicRequest.newBuilder()
          .setTopic(Topic.newBuilder().setName(topic).setQueueCount(1).setMessageType(MessageType.TRANSACTION)).build()));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    messaging.close();
    admin.close();
    node.stop();
  }

  static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static SendReceipt sendHalf(String topic, String group, String transactionId, String body) throws Exception {
    Message half = Message.newBuilder().setTopic(topic).setBody(ByteString.copyFromUtf8(body))
        .setTransaction(TransactionRef.newBuilder().setTransactionId(transactionId).setProducerGroup(group)).build();
    SendReceipt receipt = get(messaging.send(SendRequest.newBuilder().addMessages(half).build())).getReceipts(0);
    assertEquals(0, receipt.getStatus().getCode(), receipt.toString());
    return receipt;
  }

  static EndTransactionRequest end(String topic, String group, String transactionId, TransactionResolution resolution) {
    return EndTransactionRequest.newBuilder().setProducerGroup(group).setTransactionId(transactionId)
        .setResolution(resolution).addQueues(QueueRef.newBuilder().setTopic(topic).setQueueId(0)).build();
  }

  /** Receives what consumer group {@code group} gets from {@code topic} within one long poll. */
  static List<String> receive(String topic, String group) throws Exception {
    List<String> bodies = new ArrayList<>();
    get(messaging.receive(ReceiveRequest.newBuilder().setGroup(group).setTopic(topic).setMaxMessages(100)
            .setInvisibleDurationMs(30_000).setWaitMs(2_000).build()))
        .getDeliveriesList().forEach(d -> bodies.add(d.getMessage().getBody().toStringUtf8()));
    return bodies;
  }

  static StatusRuntimeException refused(CompletionStage<?> call) {
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> get(call));
    return (StatusRuntimeException) e.getCause();
  }

  static void assertRefused(Status.Code code, Reason reason, CompletionStage<?> call) {
    StatusRuntimeException e = refused(call);
    assertEquals(code, e.getStatus().getCode(), e.toString());
    assertEquals(reason.name(), e.getTrailers().get(REASON), e.toString());
  }

  @Test
  void halfMessagesStayInvisibleUntilCommittedAndOutcomesAreFinal() throws Exception {
    SendReceipt receipt = sendHalf("payments", "pay", "tx-1", "paid");
    assertEquals(-1, receipt.getOffset());
    sendHalf("payments", "pay", "tx-2", "never");
    assertTrue(receive("payments", "readers").isEmpty(), "a half message reached a consumer");

    get(messaging.endTransaction(end("payments", "pay", "tx-1", TransactionResolution.COMMIT)));
    get(messaging.endTransaction(end("payments", "pay", "tx-2", TransactionResolution.ROLLBACK)));
    get(messaging.endTransaction(end("payments", "pay", "tx-1", TransactionResolution.COMMIT)));
    assertEquals(List.of("paid"), receive("payments", "readers"));

    assertRefused(Status.Code.FAILED_PRECONDITION, Reason.TRANSACTION_RESOLVED,
        messaging.endTransaction(end("payments", "pay", "tx-1", TransactionResolution.ROLLBACK)));
    assertRefused(Status.Code.NOT_FOUND, Reason.TRANSACTION_NOT_FOUND,
        messaging.endTransaction(end("payments", "pay", "tx-unknown", TransactionResolution.COMMIT)));
    assertRefused(Status.Code.INVALID_ARGUMENT, Reason.INVALID_ARGUMENT,
        messaging.endTransaction(end("payments", "pay", "tx-1", TransactionResolution.UNKNOWN)));
    SendReceipt late = get(messaging.send(SendRequest.newBuilder()
            .addMessages(Message.newBuilder().setTopic("payments").setBody(ByteString.copyFromUtf8("late"))
                .setTransaction(TransactionRef.newBuilder().setTransactionId("tx-2").setProducerGroup("pay")))
            .build())).getReceipts(0);
    assertEquals(Reason.TRANSACTION_RESOLVED, late.getStatus().getReason(), late.toString());
    assertTrue(receive("payments", "readers").isEmpty(), "a message arrived after the commit's");
  }

  @Test
  void aCheckReachesTheGroupsOpenStreamAndItsAnswerCounts() throws Exception {
    LinkedBlockingQueue<TransactionCheck> checks = new LinkedBlockingQueue<>();
    Source<TransactionChecksRequest, ?> hello = Source.single(
            TransactionChecksRequest.newBuilder().setProducerGroup("checked-producers").setClientId("p1").build())
        .concat(Source.never());
    messaging.transactionChecks(hello.mapMaterializedValue(m -> org.apache.pekko.NotUsed.getInstance()))
        .runWith(Sink.foreach(checks::add), node.system());

    sendHalf("checked", "checked-producers", "tx-checked", "checked body");
    TransactionCheck check = checks.poll(30, TimeUnit.SECONDS);
    assertEquals("tx-checked", check.getTransaction().getTransactionId());
    assertEquals("checked body", check.getMessage().getBody().toStringUtf8());
    assertEquals(1, check.getCheckCount());

    List<TransactionSummary> open = get(admin.listTransactions(ListTransactionsRequest.newBuilder()
        .setProducerGroup("checked-producers").setState(TransactionState.OPEN).build())).getTransactionsList();
    assertEquals(1, open.size());
    assertTrue(open.get(0).getCheckCount() >= 1);

    get(messaging.endTransaction(end("checked", "checked-producers", "tx-checked", TransactionResolution.COMMIT)
        .toBuilder().setFromCheck(true).build()));
    assertEquals(List.of("checked body"), receive("checked", "readers"));
    assertTrue(get(admin.listTransactions(ListTransactionsRequest.newBuilder()
        .setProducerGroup("checked-producers").setState(TransactionState.OPEN).build())).getTransactionsList().isEmpty());
  }

  @Test
  void anUnansweredTransactionIsResolvedByTheMaxChecksRuleAndListed() throws Exception {
    LinkedBlockingQueue<TransactionCheck> checks = new LinkedBlockingQueue<>();
    Source<TransactionChecksRequest, ?> hello = Source.single(
            TransactionChecksRequest.newBuilder().setProducerGroup("silent-producers").build())
        .concat(Source.never());
    messaging.transactionChecks(hello.mapMaterializedValue(m -> org.apache.pekko.NotUsed.getInstance()))
        .runWith(Sink.foreach(checks::add), node.system());
    sendHalf("unanswered", "silent-producers", "tx-silent", "silent");

    assertEquals(1, checks.poll(30, TimeUnit.SECONDS).getCheckCount());
    assertEquals(2, checks.poll(30, TimeUnit.SECONDS).getCheckCount());
    ListTransactionsRequest resolvedByChecks = ListTransactionsRequest.newBuilder()
        .setProducerGroup("silent-producers").setState(TransactionState.RESOLVED_BY_MAX_CHECKS).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<TransactionSummary> resolved;
    while ((resolved = get(admin.listTransactions(resolvedByChecks)).getTransactionsList()).isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "not resolved by the max-checks rule");
      TimeUnit.MILLISECONDS.sleep(50); // polling, no timed assertion
    }
    assertEquals("tx-silent", resolved.get(0).getTransaction().getTransactionId());
    assertEquals(TransactionResolution.ROLLBACK, resolved.get(0).getResolution());
    assertEquals(2, resolved.get(0).getCheckCount());
    assertEquals("unanswered", resolved.get(0).getQueue().getTopic());
    assertTrue(receive("unanswered", "readers").isEmpty(), "a rolled-back message reached a consumer");
  }
}
