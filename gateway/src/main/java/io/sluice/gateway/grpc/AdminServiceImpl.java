package io.sluice.gateway.grpc;

import io.grpc.Status;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.KnownTopics;
import io.sluice.gateway.Names;
import io.sluice.gateway.consume.GroupQueues;
import io.sluice.gateway.owner.OwnedAdminCalls;
import io.sluice.gateway.deadletter.DeadLetterAdmin;
import io.sluice.gateway.transaction.Transactions;
import io.sluice.gateway.delay.DelayedMessages;
import io.sluice.protocol.v1.AdminService;
import io.sluice.protocol.v1.CancelDelayedMessageRequest;
import io.sluice.protocol.v1.CancelDelayedMessageResponse;
import io.sluice.protocol.v1.ConsumerGroup;
import io.sluice.protocol.v1.CreateTopicRequest;
import io.sluice.protocol.v1.DeleteTopicRequest;
import io.sluice.protocol.v1.DeleteTopicResponse;
import io.sluice.protocol.v1.DescribeConsumerGroupRequest;
import io.sluice.protocol.v1.DescribeTopicRequest;
import io.sluice.protocol.v1.GetRetryPolicyRequest;
import io.sluice.protocol.v1.ListDeadLettersRequest;
import io.sluice.protocol.v1.ListDeadLettersResponse;
import io.sluice.protocol.v1.ListTopicsRequest;
import io.sluice.protocol.v1.ListTransactionsRequest;
import io.sluice.protocol.v1.ListTransactionsResponse;
import io.sluice.protocol.v1.ListTopicsResponse;
import io.sluice.protocol.v1.QueryMessagesRequest;
import io.sluice.protocol.v1.QueryMessagesResponse;
import io.sluice.protocol.v1.ResetConsumerGroupOffsetRequest;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.QueueProgress;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.RedriveDeadLettersRequest;
import io.sluice.protocol.v1.RedriveDeadLettersResponse;
import io.sluice.protocol.v1.RetryPolicy;
import io.sluice.protocol.v1.SetRetryPolicyRequest;
import io.sluice.protocol.v1.Topic;
import io.sluice.protocol.v1.UpdateTopicRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The {@code sluice.v1.AdminService}. Topic changes go through the {@link TopicRegistry}; reads
 * come from this node's {@link TopicCatalog}, which a change made here updates before replying.
 */
public final class AdminServiceImpl implements AdminService {
  private final ActorSystem<?> system;
  private final ActorRef<TopicRegistry.Command> registry;
  private final TopicCatalog catalog;
  private final GroupQueues groups;
  private final OwnedAdminCalls owned;
  private final Duration askTimeout;
  private final DeadLetterAdmin deadLetters;
  private final DelayedMessages delays;
  private final Transactions transactions;

  public AdminServiceImpl(ActorSystem<?> system, ActorRef<TopicRegistry.Command> registry, TopicCatalog catalog,
      GroupQueues groups, OwnedAdminCalls owned, Duration askTimeout, DeadLetterAdmin deadLetters,
      DelayedMessages delays, Transactions transactions) {
    this.system = system;
    this.registry = registry;
    this.catalog = catalog;
    this.groups = groups;
    this.owned = owned;
    this.askTimeout = askTimeout;
    this.deadLetters = deadLetters;
    this.delays = delays;
    this.transactions = transactions;
  }

  @Override
  public CompletionStage<ListTransactionsResponse> listTransactions(ListTransactionsRequest request) {
    return Calls.unary(() -> transactions.list(request)
        .thenApply(found -> ListTransactionsResponse.newBuilder().addAllTransactions(found).build()));
  }

  @Override
  public CompletionStage<CancelDelayedMessageResponse> cancelDelayedMessage(CancelDelayedMessageRequest request) {
    return Calls.unary(() -> delays.cancel(request.getTopic(), request.getMessageId())
        .thenApply(done -> CancelDelayedMessageResponse.getDefaultInstance()));
  }

  @Override
  public CompletionStage<QueryMessagesResponse> queryMessages(QueryMessagesRequest request) {
    return Calls.unary(() -> owned.query(request));
  }

  @Override
  public CompletionStage<ConsumerGroup> resetConsumerGroupOffset(ResetConsumerGroupOffsetRequest request) {
    return Calls.unary(() -> owned.reset(request).thenCompose(done -> describeConsumerGroup(
        DescribeConsumerGroupRequest.newBuilder().setGroup(request.getGroup()).setTopic(request.getTopic()).build())));
  }

  @Override
  public CompletionStage<Topic> createTopic(CreateTopicRequest request) {
    return Calls.unary(() -> {
      TopicConfig topic = toConfig(request.getTopic());
      return change(replyTo -> new TopicRegistry.CreateTopic(topic, replyTo)).thenApply(done -> toProto(topic));
    });
  }

  @Override
  public CompletionStage<Topic> updateTopic(UpdateTopicRequest request) {
    return Calls.unary(() -> {
      Names.checkNotBrokerOwned(request.getTopic().getName());
      TopicConfig topic = toConfig(request.getTopic());
      return change(replyTo -> new TopicRegistry.UpdateTopic(topic, replyTo)).thenApply(done -> toProto(topic));
    });
  }

  @Override
  public CompletionStage<DeleteTopicResponse> deleteTopic(DeleteTopicRequest request) {
    return Calls.unary(() -> {
      String name = Names.checkNotBrokerOwned(Names.check("topic", request.getName()));
      return change(replyTo -> new TopicRegistry.DeleteTopic(name, replyTo))
          .thenApply(done -> DeleteTopicResponse.getDefaultInstance());
    });
  }

  @Override
  public CompletionStage<Topic> describeTopic(DescribeTopicRequest request) {
    return Calls.unary(() -> CompletableFuture.completedFuture(toProto(KnownTopics.require(catalog, request.getName()))));
  }

  @Override
  public CompletionStage<ListTopicsResponse> listTopics(ListTopicsRequest request) {
    return Calls.unary(() -> {
      ListTopicsResponse.Builder list = ListTopicsResponse.newBuilder();
      catalog.snapshot().byName().values().stream()
          .sorted(java.util.Comparator.comparing(TopicConfig::name))
          .forEach(t -> list.addTopics(toProto(t)));
      return CompletableFuture.completedFuture(list.build());
    });
  }

  @Override
  public CompletionStage<ConsumerGroup> describeConsumerGroup(DescribeConsumerGroupRequest request) {
    return Calls.unary(() -> {
      String group = Names.check("consumer group", request.getGroup());
      TopicConfig topic = KnownTopics.require(catalog, request.getTopic());
      List<CompletableFuture<QueueProgress>> queues = new ArrayList<>();
      for (int q = 0; q < topic.queueCount(); q++) {
        int queueId = q;
        queues.add(groups.endOffset(topic.name(), queueId).thenCombine(
            groups.describe(group, topic.name(), queueId),
            (end, progress) -> QueueProgress.newBuilder()
                .setQueueId(queueId)
                .setEndOffset(end.offset())
                .setAckWatermark(progress.ackWatermark())
                .setReadCursor(progress.readCursor())
                .setInFlight(progress.inFlight())
                .setLag(Math.max(0, end.offset() - progress.ackWatermark()))
                .build())
            .toCompletableFuture());
      }
      return CompletableFuture.allOf(queues.toArray(CompletableFuture[]::new))
          .thenApply(done -> ConsumerGroup.newBuilder().setGroup(group).setTopic(topic.name())
              .addAllQueues(queues.stream().map(CompletableFuture::join).toList()).build());
    });
  }

  @Override
  public CompletionStage<RetryPolicy> setRetryPolicy(SetRetryPolicyRequest request) {
    return Calls.unary(() -> deadLetters.setRetryPolicy(request.getGroup(), request.getPolicy()));
  }

  @Override
  public CompletionStage<RetryPolicy> getRetryPolicy(GetRetryPolicyRequest request) {
    return Calls.unary(() -> deadLetters.retryPolicy(request.getGroup()));
  }

  @Override
  public CompletionStage<ListDeadLettersResponse> listDeadLetters(ListDeadLettersRequest request) {
    return Calls.unary(() -> owned.listDeadLetters(request));
  }

  @Override
  public CompletionStage<RedriveDeadLettersResponse> redriveDeadLetters(RedriveDeadLettersRequest request) {
    return Calls.unary(() -> owned.redriveDeadLetters(request));
  }

  /** Asks the registry for a change; the new topic list reaches this node's catalog before the reply. */
  private CompletionStage<TopicRegistry.Changed> change(
      Function<ActorRef<TopicRegistry.Change>, TopicRegistry.Command> command) {
    return AskPattern.ask(registry, command::apply, askTimeout, system.scheduler())
        .thenApply(reply -> {
          if (reply instanceof TopicRegistry.OutcomeUnknown unknown) {
            throw BrokerException.registryOutcomeUnknown(unknown.message());
          }
          if (reply instanceof TopicRegistry.Rejected rejected) {
            Status.Code code = switch (rejected.reason()) {
              case TOPIC_NOT_FOUND -> Status.Code.NOT_FOUND;
              case TOPIC_EXISTS -> Status.Code.ALREADY_EXISTS;
              default -> Status.Code.INVALID_ARGUMENT;
            };
            throw new BrokerException(code, rejected.reason(), rejected.message());
          }
          TopicRegistry.Changed changed = (TopicRegistry.Changed) reply;
          catalog.offer(changed.topics());
          return changed;
        });
  }

  private static TopicConfig toConfig(Topic topic) {
    Names.checkNewTopic(topic.getName());
    int queues = topic.getQueueCount() == 0 ? TopicConfig.DEFAULT_QUEUE_COUNT : topic.getQueueCount();
    if (queues < 1 || queues > TopicConfig.MAX_QUEUE_COUNT) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "queue count " + queues + " is outside 1 .. " + TopicConfig.MAX_QUEUE_COUNT);
    }
    if (topic.getRetentionHours() != 0) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "per-topic retention is not supported yet: leave "
          + "retention_hours 0; sluice.persistence.journal.retention.time applies to every topic");
    }
    MessageType type = topic.getMessageType();
    if (type == MessageType.UNRECOGNIZED) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "unknown message type; create a NORMAL, FIFO, DELAY or TRANSACTION topic");
    }
    return new TopicConfig(topic.getName(), queues, type, topic.getRetentionHours());
  }

  private static Topic toProto(TopicConfig topic) {
    return Topic.newBuilder().setName(topic.name()).setQueueCount(topic.queueCount())
        .setMessageType(topic.messageType()).setRetentionHours(topic.retentionHours()).build();
  }
}
