package io.sluice.gateway.produce;

import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.GatewaySettings;
import io.sluice.gateway.delay.DelayedMessages;
import io.sluice.gateway.transaction.Transactions;
import io.sluice.protocol.v1.ItemStatus;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.SendReceipt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The produce path of one request (a {@code Produce} stream element or a {@code Send} call):
 * validate each message, pick its queue, append each queue's share as one unit, and answer with
 * one receipt per message in request order. A bad message fails alone; the others are stored.
 *
 * <p>Thread-safety: any thread.
 */
public final class ProducePath {
  private static final ItemStatus OK = ItemStatus.getDefaultInstance();

  private final MessageValidator validator;
  private final QueueSelector selector;
  private final QueueAppenders appenders;
  private final DelayedMessages delays;
  private final Transactions transactions;
  private final InFlightBudget budget;
  private final long maxRequestSize;
  private final WriteAdmission admission;

  /**
   * @param admission why messages to a broker group are refused now (the store's disk is above the
   *     limit for messages, too few replicas in sync), checked per queue before anything is handed
   *     to an entity
   */
  public ProducePath(MessageValidator validator, QueueSelector selector, QueueAppenders appenders,
      DelayedMessages delays, Transactions transactions, InFlightBudget budget, GatewaySettings settings,
      WriteAdmission admission) {
    this.admission = admission;
    this.validator = validator;
    this.selector = selector;
    this.appenders = appenders;
    this.delays = delays;
    this.transactions = transactions;
    this.budget = budget;
    this.maxRequestSize = settings.maxRequestSize();
  }

  /**
   * One share of a request: the messages bound for one queue and where they sit in the request.
   * A DELAY topic's share goes to the queue's timer, a TRANSACTION topic's to the queue's
   * transaction log; their receipts carry offset -1 (they get one when due or committed).
   */
  private record Share(String group, int queueId, MessageType type, List<Message> messages, List<Integer> positions) {
    boolean heldBack() {
      return type == MessageType.DELAY || type == MessageType.TRANSACTION;
    }
  }

  /** A {@code Produce} stream's request: its messages take their size from the in-flight budget until stored. */
  public CompletionStage<List<SendReceipt>> produce(List<Message> request) {
    return produce(request, true);
  }

  /**
   * A unary {@code Send}: its encoded request holds the in-flight budget from the moment its gRPC
   * prefix is read until it is answered ({@code inbound.InboundLimits}), so it takes nothing more.
   */
  public CompletionStage<List<SendReceipt>> produceCounted(List<Message> request) {
    return produce(request, false);
  }

  private CompletionStage<List<SendReceipt>> produce(List<Message> request, boolean takesBudget) {
    SendReceipt[] receipts = new SendReceipt[request.size()];
    long requestBytes = request.stream().mapToLong(MessageSize::of).sum();
    if (requestBytes > maxRequestSize) {
      BrokerException tooLarge = BrokerException.invalid(Reason.MESSAGE_TOO_LARGE,
          "request carries " + requestBytes + " bytes of messages; the limit is " + maxRequestSize);
      for (int i = 0; i < receipts.length; i++) {
        receipts[i] = failed(request.get(i), tooLarge);
      }
      return CompletableFuture.completedFuture(Arrays.asList(receipts));
    }

    Map<String, Share> shares = new LinkedHashMap<>();
    long acceptedBytes = 0;
    for (int i = 0; i < receipts.length; i++) {
      Message message = request.get(i);
      try {
        TopicConfig topic = validator.check(message);
        Message withId = message.getMessageId().isEmpty()
            ? message.toBuilder().setMessageId(newMessageId()).build() : message;
        int queueId = selector.select(topic, withId);
        Share share = shares.computeIfAbsent(topic.queueEntityId(queueId),
            id -> new Share(topic.brokerGroupOf(queueId), queueId, topic.messageType(), new ArrayList<>(), new ArrayList<>()));
        share.messages().add(withId);
        share.positions().add(i);
        // the whole message as held in memory until stored, not only its body
        acceptedBytes += message.getSerializedSize();
      } catch (BrokerException e) {
        receipts[i] = failed(message, e);
      }
    }
    shares.values().removeIf(share -> {
      Optional<BrokerException> refused = admission.refusal(share.group());
      refused.ifPresent(e -> fill(receipts, share, e));
      return refused.isPresent();
    });
    if (shares.isEmpty()) {
      return CompletableFuture.completedFuture(Arrays.asList(receipts));
    }
    if (takesBudget && !budget.tryAcquire(acceptedBytes)) {
      BrokerException busy = BrokerException.busy(
          "broker is busy: " + budget.used() + " bytes are waiting to be stored; retry later");
      shares.values().forEach(share -> fill(receipts, share, busy));
      return CompletableFuture.completedFuture(Arrays.asList(receipts));
    }

    long taken = takesBudget ? acceptedBytes : 0;
    List<CompletableFuture<Void>> appends = new ArrayList<>(shares.size());
    shares.forEach((queueEntityId, share) ->
        appends.add(store(queueEntityId, share)
            .handle((appended, failure) -> {
              if (failure != null) {
                fill(receipts, share, BrokerException.ofStore(failure));
              } else {
                for (int j = 0; j < share.messages().size(); j++) {
                  Message m = share.messages().get(j);
                  receipts[share.positions().get(j)] = SendReceipt.newBuilder()
                      .setStatus(OK).setMessageId(m.getMessageId()).setTopic(m.getTopic())
                      .setQueueId(share.queueId()).setOffset(share.heldBack() ? -1 : appended.offsetOf(j)).build();
                }
              }
              return null;
            })));
    return CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new))
        .handle((done, failure) -> {
          budget.release(taken);
          return Arrays.asList(receipts);
        });
  }

  /**
   * Appends {@code share}, or hands it to its timer or transaction log; completes with where it was
   * appended (null when held back).
   */
  private CompletableFuture<Queue.Appended> store(String queueEntityId, Share share) {
    switch (share.type()) {
      case DELAY:
        return delays.schedule(queueEntityId, share.messages()).thenApply(done -> (Queue.Appended) null).toCompletableFuture();
      case TRANSACTION:
        return transactions.prepare(queueEntityId, share.messages()).thenApply(done -> (Queue.Appended) null).toCompletableFuture();
      default:
        return appenders.append(queueEntityId, share.messages());
    }
  }

  private static void fill(SendReceipt[] receipts, Share share, BrokerException failure) {
    for (int j = 0; j < share.messages().size(); j++) {
      receipts[share.positions().get(j)] = failed(share.messages().get(j), failure);
    }
  }

  private static SendReceipt failed(Message message, BrokerException failure) {
    return SendReceipt.newBuilder()
        .setStatus(failure.toItemStatus()).setMessageId(message.getMessageId()).setTopic(message.getTopic()).build();
  }

  /** An id for a message whose producer sent none: 128 random bits, hex. */
  private static String newMessageId() {
    UUID id = UUID.randomUUID();
    return String.format("%016X%016X", id.getMostSignificantBits(), id.getLeastSignificantBits());
  }
}
