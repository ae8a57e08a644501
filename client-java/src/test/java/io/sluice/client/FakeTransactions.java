package io.sluice.client;

import io.grpc.Status;
import io.sluice.protocol.v1.EndTransactionRequest;
import io.sluice.protocol.v1.EndTransactionResponse;
import io.sluice.protocol.v1.ItemStatus;
import io.sluice.protocol.v1.ListTransactionsRequest;
import io.sluice.protocol.v1.ListTransactionsResponse;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.QueueRef;
import io.sluice.protocol.v1.SendReceipt;
import io.sluice.protocol.v1.TransactionCheck;
import io.sluice.protocol.v1.TransactionChecksRequest;
import io.sluice.protocol.v1.TransactionRef;
import io.sluice.protocol.v1.TransactionResolution;
import io.sluice.protocol.v1.TransactionState;
import io.sluice.protocol.v1.TransactionSummary;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The transaction side of {@link FakeBroker}: topics whose name starts with {@code txn} are
 * TRANSACTION topics (half messages only, spread over {@link #QUEUES} queues round robin, offset
 * -1; on {@code txn-busy} each message id's first attempt is refused BROKER_BUSY); the others
 * refuse half messages. EndTransaction follows the broker's rules (repeat OK, other
 * outcome TRANSACTION_RESOLVED, unknown queue TRANSACTION_NOT_FOUND, UNKNOWN only from a check).
 * Records what clients sent, and lets tests push checks on, or break, the check streams.
 */
final class FakeTransactions {
  static final int QUEUES = 3;

  /** One open {@code TransactionChecks} stream, as the broker sees it. */
  static final class CheckStream {
    final BoundedSourceQueue<TransactionCheck> out;
    final CompletableFuture<TransactionChecksRequest> hello = new CompletableFuture<>();
    final CompletableFuture<Void> ended = new CompletableFuture<>();

    CheckStream(BoundedSourceQueue<TransactionCheck> out) {
      this.out = out;
    }

    void send(TransactionCheck check) {
      out.offer(check);
    }

    void breakIt() {
      out.fail(FakeBroker.failure(Status.UNAVAILABLE, "", "fake gateway restarting"));
    }
  }

  private final ActorSystem system;
  final List<Message> halfMessages = new CopyOnWriteArrayList<>();
  final List<EndTransactionRequest> endRequests = new CopyOnWriteArrayList<>();
  final List<CheckStream> checkStreams = new CopyOnWriteArrayList<>();
  final List<ListTransactionsRequest> listRequests = new CopyOnWriteArrayList<>();
  /** EndTransaction calls to fail with UNAVAILABLE before answering. */
  final AtomicInteger endFailures = new AtomicInteger();
  private final AtomicInteger nextQueue = new AtomicInteger();
  private final Set<String> busyOnce = ConcurrentHashMap.newKeySet();
  // transaction id -> queues holding its half messages, and its outcome once resolved
  private final Map<String, Set<QueueRef>> queuesById = new ConcurrentHashMap<>();
  private final Map<String, TransactionResolution> outcomes = new ConcurrentHashMap<>();

  FakeTransactions(ActorSystem system) {
    this.system = system;
  }

  /** A receipt for a half message or a misplaced one; null for a plain message on a plain topic. */
  SendReceipt store(Message m) {
    boolean half = m.hasTransaction();
    boolean txnTopic = m.getTopic().startsWith("txn");
    if (!half && !txnTopic) {
      return null;
    }
    SendReceipt.Builder r =
        SendReceipt.newBuilder().setMessageId(m.getMessageId()).setTopic(m.getTopic());
    if (half != txnTopic) {
      return r.setStatus(
              ItemStatus.newBuilder()
                  .setCode(Status.Code.FAILED_PRECONDITION.value())
                  .setReason(io.sluice.protocol.v1.Reason.MESSAGE_TYPE_MISMATCH)
                  .setMessage("topic " + m.getTopic() + " does not take this message type"))
          .build();
    }
    halfMessages.add(m);
    if (m.getTopic().equals("txn-busy") && busyOnce.add(m.getMessageId())) {
      return r.setStatus(
              ItemStatus.newBuilder()
                  .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
                  .setReason(io.sluice.protocol.v1.Reason.BROKER_BUSY)
                  .setMessage("queue busy"))
          .build();
    }
    int queue = nextQueue.getAndIncrement() % QUEUES;
    queuesById
        .computeIfAbsent(m.getTransaction().getTransactionId(), id -> ConcurrentHashMap.newKeySet())
        .add(QueueRef.newBuilder().setTopic(m.getTopic()).setQueueId(queue).build());
    return r.setQueueId(queue).setOffset(-1).build();
  }

  /** The broker resolves a transaction itself, as after its maximum number of checks. */
  void resolve(String transactionId, TransactionResolution outcome) {
    outcomes.put(transactionId, outcome);
  }

  /** The broker loses track of a transaction. */
  void forget(String transactionId) {
    queuesById.remove(transactionId);
  }

  /** Makes a transaction known on a queue, as if a producer had sent a half message there. */
  void prepare(String transactionId, QueueRef queue) {
    queuesById.computeIfAbsent(transactionId, id -> ConcurrentHashMap.newKeySet()).add(queue);
  }

  CompletionStage<EndTransactionResponse> endTransaction(EndTransactionRequest in) {
    endRequests.add(in);
    if (endFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return failed(Status.UNAVAILABLE, "", "fake gateway restarting");
    }
    TransactionResolution wanted = in.getResolution();
    if (wanted == TransactionResolution.UNKNOWN && !in.getFromCheck()) {
      return failed(Status.INVALID_ARGUMENT, "INVALID_ARGUMENT", "UNKNOWN answers a check only");
    }
    Set<QueueRef> known = queuesById.getOrDefault(in.getTransactionId(), Set.of());
    if (in.getQueuesCount() == 0 || !known.containsAll(in.getQueuesList())) {
      return failed(
          Status.NOT_FOUND,
          "TRANSACTION_NOT_FOUND",
          "transaction " + in.getTransactionId() + " is not on " + in.getQueuesList());
    }
    TransactionResolution done = outcomes.get(in.getTransactionId());
    if (done != null && wanted != TransactionResolution.UNKNOWN && done != wanted) {
      return failed(
          Status.FAILED_PRECONDITION,
          "TRANSACTION_RESOLVED",
          "transaction " + in.getTransactionId() + " was resolved with " + done);
    }
    if (done == null && wanted != TransactionResolution.UNKNOWN) {
      outcomes.put(in.getTransactionId(), wanted);
    }
    return CompletableFuture.completedFuture(EndTransactionResponse.getDefaultInstance());
  }

  Source<TransactionCheck, NotUsed> transactionChecks(Source<TransactionChecksRequest, NotUsed> in) {
    Pair<BoundedSourceQueue<TransactionCheck>, Source<TransactionCheck, NotUsed>> out =
        Source.<TransactionCheck>queue(1_000).preMaterialize(system);
    CheckStream stream = new CheckStream(out.first());
    checkStreams.add(stream);
    in.runForeach(stream.hello::complete, system)
        .whenComplete(
            (done, failure) -> {
              stream.ended.complete(null);
              out.first().complete();
            });
    return out.second();
  }

  /** One canned summary per state. */
  CompletionStage<ListTransactionsResponse> listTransactions(ListTransactionsRequest in) {
    listRequests.add(in);
    TransactionSummary.Builder s =
        TransactionSummary.newBuilder()
            .setTransaction(
                TransactionRef.newBuilder()
                    .setTransactionId("t-" + in.getState().getNumber())
                    .setProducerGroup(in.getProducerGroup()))
            .setQueue(QueueRef.newBuilder().setTopic("txn-orders").setQueueId(2))
            .addMessageIds("m-1")
            .addMessageIds("m-2")
            .setPreparedAtMs(1_000)
            .setCheckCount(15);
    if (in.getState() == TransactionState.RESOLVED_BY_MAX_CHECKS) {
      s.setResolution(TransactionResolution.ROLLBACK).setResolvedAtMs(5_000);
    }
    return CompletableFuture.completedFuture(
        ListTransactionsResponse.newBuilder().addTransactions(s).build());
  }

  private static <T> CompletionStage<T> failed(Status status, String reason, String message) {
    return CompletableFuture.failedFuture(FakeBroker.failure(status, reason, message));
  }
}
