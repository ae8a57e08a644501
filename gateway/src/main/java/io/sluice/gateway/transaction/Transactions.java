package io.sluice.gateway.transaction;

import io.grpc.Status;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.Topics;
import io.sluice.actors.transaction.QueueTransactions;
import io.sluice.actors.transaction.TransactionBook;
import io.sluice.actors.transaction.TransactionSummary;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.cluster.QueueAvailability;
import io.sluice.gateway.KnownTopics;
import io.sluice.gateway.Names;
import io.sluice.protocol.v1.EndTransactionRequest;
import io.sluice.protocol.v1.ListTransactionsRequest;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.QueueRef;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.TransactionRef;
import io.sluice.protocol.v1.TransactionResolution;
import io.sluice.protocol.v1.TransactionState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * The gateway's side of transactions: hands a TRANSACTION topic's half messages to the
 * transaction log of their queue ({@link QueueTransactions}), ends transactions on the queues a
 * producer names, lists them for operators, and wakes the logs after a restart (sharded entities
 * start on their first message, and a log must resume its checks without one).
 *
 * <p>Thread-safety: any thread.
 */
public final class Transactions {
  static final int MAX_TRANSACTION_ID_LENGTH = 128;

  private final ActorSystem<?> system;
  private final TopicCatalog catalog;
  private final Duration askTimeout;
  private final QueueAvailability availability;

  public Transactions(ActorSystem<?> system, TopicCatalog catalog, Duration askTimeout, QueueAvailability availability) {
    this.system = system;
    this.catalog = catalog;
    this.askTimeout = askTimeout;
    this.availability = availability;
  }

  /**
   * @throws BrokerException if {@code message}'s transaction does not suit {@code topic}: a
   *     TRANSACTION topic takes only half messages, the others none
   */
  public static void check(TopicConfig topic, Message message) {
    if (topic.messageType() != MessageType.TRANSACTION) {
      if (message.hasTransaction()) {
        throw BrokerException.invalid(Reason.MESSAGE_TYPE_MISMATCH, "topic '" + topic.name() + "' is a "
            + topic.messageType() + " topic: only messages to a TRANSACTION topic belong to a transaction");
      }
      return;
    }
    if (!message.hasTransaction()) {
      throw BrokerException.invalid(Reason.MESSAGE_TYPE_MISMATCH, "topic '" + topic.name()
          + "' is a TRANSACTION topic: send its messages in a transaction (a transactional producer)");
    }
    checkId(message.getTransaction().getTransactionId());
    Names.check("producer group", message.getTransaction().getProducerGroup());
  }

  /** Stores half messages (bound for queue {@code queueEntityId}) durably, invisible to consumers. */
  public CompletionStage<Done> prepare(String queueEntityId, List<Message> messages) {
    return onLog(queueEntityId, log -> log
            .<QueueTransactions.PrepareResult>ask(replyTo -> new QueueTransactions.Prepare(messages, replyTo), askTimeout))
        .thenApply(result -> {
          if (result.resolvedTransactionId() != null) {
            throw resolvedAlready(result.resolvedTransactionId(), result.outcome());
          }
          return Done.getInstance();
        });
  }

  /** Ends a transaction on every queue the request names; the first refusal fails the call. */
  public CompletionStage<Done> end(EndTransactionRequest request) {
    String group = Names.check("producer group", request.getProducerGroup());
    String id = checkId(request.getTransactionId());
    QueueTransactions.Resolution resolution = resolution(request);
    if (request.getQueuesCount() == 0) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "name the queues holding the transaction's half messages (from their send receipts)");
    }
    Set<String> queues = new LinkedHashSet<>();
    for (QueueRef queue : request.getQueuesList()) {
      queues.add(queueEntityId(queue));
    }
    List<CompletableFuture<QueueTransactions.EndResult>> answers = new ArrayList<>();
    for (String queue : queues) {
      answers.add(onLog(queue, log -> log.<QueueTransactions.EndResult>ask(
          replyTo -> new QueueTransactions.End(id, group, resolution, replyTo), askTimeout)).toCompletableFuture());
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(all -> {
      for (CompletableFuture<QueueTransactions.EndResult> answer : answers) {
        QueueTransactions.EndResult result = answer.join();
        if (result.status() == QueueTransactions.EndStatus.RESOLVED_OTHERWISE) {
          throw resolvedAlready(id, result.outcome());
        }
        if (result.status() == QueueTransactions.EndStatus.NOT_FOUND) {
          throw new BrokerException(Status.Code.NOT_FOUND, Reason.TRANSACTION_NOT_FOUND, "no transaction '" + id
              + "' of producer group '" + group + "' on " + String.join(", ", queues));
        }
      }
      return Done.getInstance();
    });
  }

  /** The group's transactions in {@code request.state} on every queue of every TRANSACTION topic, oldest first. */
  public CompletionStage<List<io.sluice.protocol.v1.TransactionSummary>> list(ListTransactionsRequest request) {
    String group = Names.check("producer group", request.getProducerGroup());
    if (request.getState() == TransactionState.UNRECOGNIZED) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "unknown transaction state");
    }
    boolean resolved = request.getState() == TransactionState.RESOLVED_BY_MAX_CHECKS;
    List<CompletableFuture<List<io.sluice.protocol.v1.TransactionSummary>>> answers = new ArrayList<>();
    for (TopicConfig topic : catalog.snapshot().byName().values()) {
      if (topic.messageType() != MessageType.TRANSACTION) {
        continue;
      }
      for (int q = 0; q < topic.queueCount(); q++) {
        QueueRef queue = QueueRef.newBuilder().setTopic(topic.name()).setQueueId(q).build();
        answers.add(onLog(topic.queueEntityId(q), log -> log
                .<QueueTransactions.Listed>ask(replyTo -> new QueueTransactions.ListTransactions(group, resolved, replyTo),
                    askTimeout))
            .thenApply(listed -> listed.transactions().stream().map(t -> toProto(t, queue)).toList())
            .toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(all -> answers.stream()
        .flatMap(answer -> answer.join().stream())
        .sorted(Comparator.comparingLong(io.sluice.protocol.v1.TransactionSummary::getPreparedAtMs))
        .toList());
  }

  /** Starts the log of every queue of every TRANSACTION topic in {@code topics}. */
  public void wakeAll(Topics topics) {
    // a queue of another group is woken by its own node when that node starts
    wake(topics, availability::isAvailable);
  }

  /**
   * Starts the log of every queue of broker group {@code group} of every TRANSACTION topic in {@code
   * topics}: the group became served here (a promoted master), and check-backs must resume.
   */
  public void wakeGroup(Topics topics, String group) {
    wake(topics, queueEntityId -> Queue.brokerGroupOf(queueEntityId).equals(group));
  }

  private void wake(Topics topics, Predicate<String> queueEntityIds) {
    for (TopicConfig topic : topics.byName().values()) {
      if (topic.messageType() == MessageType.TRANSACTION) {
        for (int q = 0; q < topic.queueCount(); q++) {
          if (queueEntityIds.test(topic.queueEntityId(q))) {
            log(topic.queueEntityId(q)).tell(QueueTransactions.Wake.INSTANCE);
          }
        }
      }
    }
  }

  private static QueueTransactions.Resolution resolution(EndTransactionRequest request) {
    switch (request.getResolution()) {
      case COMMIT:
        return QueueTransactions.Resolution.COMMIT;
      case ROLLBACK:
        return QueueTransactions.Resolution.ROLLBACK;
      case UNKNOWN:
        if (request.getFromCheck()) {
          return QueueTransactions.Resolution.UNKNOWN;
        }
        throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
            "UNKNOWN answers a check-back only (from_check); end a transaction with COMMIT or ROLLBACK");
      default:
        throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "resolution must be COMMIT or ROLLBACK");
    }
  }

  /** The entity id of {@code queue}, which must be a queue of a TRANSACTION topic. */
  private String queueEntityId(QueueRef queue) {
    TopicConfig topic = KnownTopics.require(catalog, queue.getTopic());
    if (topic.messageType() != MessageType.TRANSACTION) {
      throw BrokerException.invalid(Reason.MESSAGE_TYPE_MISMATCH, "topic '" + topic.name() + "' is a "
          + topic.messageType() + " topic: only TRANSACTION topics hold transactions");
    }
    if (queue.getQueueId() < 0 || queue.getQueueId() >= topic.queueCount()) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "topic '" + topic.name() + "' has no queue "
          + queue.getQueueId() + " (it has " + topic.queueCount() + ")");
    }
    return topic.queueEntityId(queue.getQueueId());
  }

  private static String checkId(String transactionId) {
    if (transactionId.isBlank() || transactionId.length() > MAX_TRANSACTION_ID_LENGTH) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "transaction id is invalid: 1.." + MAX_TRANSACTION_ID_LENGTH + " characters, not blank");
    }
    return transactionId;
  }

  private static BrokerException resolvedAlready(String transactionId, TransactionBook.Outcome outcome) {
    String done = outcome == TransactionBook.Outcome.COMMIT ? "committed" : "rolled back";
    return new BrokerException(Status.Code.FAILED_PRECONDITION, Reason.TRANSACTION_RESOLVED,
        "transaction '" + transactionId + "' was " + done + " already; its outcome is final");
  }

  private static io.sluice.protocol.v1.TransactionSummary toProto(TransactionSummary t, QueueRef queue) {
    io.sluice.protocol.v1.TransactionSummary.Builder summary = io.sluice.protocol.v1.TransactionSummary.newBuilder()
        .setTransaction(TransactionRef.newBuilder().setTransactionId(t.transactionId()).setProducerGroup(t.producerGroup()))
        .setQueue(queue)
        .addAllMessageIds(t.messageIds())
        .setPreparedAtMs(t.preparedAtMs())
        .setCheckCount(t.checks());
    if (t.outcome() != null) {
      summary.setResolution(TransactionResolution.valueOf(t.outcome().name()))
          .setResolvedAtMs(t.resolvedAtMs());
    }
    return summary.build();
  }

  private EntityRef<QueueTransactions.Command> log(String queueEntityId) {
    return ClusterSharding.get(system).entityRefFor(QueueTransactions.ENTITY_KEY, queueEntityId);
  }

  /** {@code call} on the queue's log, or QUEUE_UNAVAILABLE at once when its broker group has no live node. */
  private <T> CompletionStage<T> onLog(String queueEntityId,
      Function<EntityRef<QueueTransactions.Command>, CompletionStage<T>> call) {
    return availability.ifAvailable(queueEntityId, () -> call.apply(log(queueEntityId)));
  }
}
