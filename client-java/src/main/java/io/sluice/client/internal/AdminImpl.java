package io.sluice.client.internal;

import io.sluice.client.Admin;
import io.sluice.client.ConsumerGroupInfo;
import io.sluice.client.DeadLetter;
import io.sluice.client.DeadLetterPage;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.OffsetReset;
import io.sluice.client.ResolvedTransaction;
import io.sluice.client.RetryPolicy;
import io.sluice.client.TopicInfo;
import io.sluice.client.TransactionInfo;
import io.sluice.protocol.v1.CreateTopicRequest;
import io.sluice.protocol.v1.DeleteTopicRequest;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.DescribeConsumerGroupRequest;
import io.sluice.protocol.v1.DescribeTopicRequest;
import io.sluice.protocol.v1.GetRetryPolicyRequest;
import io.sluice.protocol.v1.ListDeadLettersRequest;
import io.sluice.protocol.v1.ListDeadLettersResponse;
import io.sluice.protocol.v1.ListTopicsRequest;
import io.sluice.protocol.v1.ListTransactionsRequest;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.QueryMessagesRequest;
import io.sluice.protocol.v1.RedriveDeadLettersRequest;
import io.sluice.protocol.v1.ResetConsumerGroupOffsetRequest;
import io.sluice.protocol.v1.SetRetryPolicyRequest;
import io.sluice.protocol.v1.TimeRange;
import io.sluice.protocol.v1.TransactionState;
import io.sluice.protocol.v1.TransactionSummary;
import io.sluice.protocol.v1.Topic;
import io.sluice.protocol.v1.UpdateTopicRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The {@link Admin} API: each method is one retried unary call. Thread-safe. */
public final class AdminImpl implements Admin {
  private final ClientContext context;

  /**
   * Creates the admin API of a client.
   *
   * @param context the client
   */
  public AdminImpl(ClientContext context) {
    this.context = context;
  }

  @Override
  public TopicInfo createTopic(String name, int queueCount, MessageType messageType) {
    return createTopic(new TopicInfo(name, queueCount, messageType, 0));
  }

  @Override
  public TopicInfo createTopic(TopicInfo topic) {
    CreateTopicRequest req =
        CreateTopicRequest.newBuilder().setTopic(Protos.toProto(topic)).build();
    return Protos.topicFromProto(call(ep -> ep.admin().createTopic(req)));
  }

  @Override
  public TopicInfo updateTopic(TopicInfo topic) {
    UpdateTopicRequest req =
        UpdateTopicRequest.newBuilder().setTopic(Protos.toProto(topic)).build();
    return Protos.topicFromProto(call(ep -> ep.admin().updateTopic(req)));
  }

  @Override
  public void deleteTopic(String name) {
    DeleteTopicRequest req = DeleteTopicRequest.newBuilder().setName(required(name)).build();
    call(ep -> ep.admin().deleteTopic(req));
  }

  @Override
  public TopicInfo describeTopic(String name) {
    DescribeTopicRequest req = DescribeTopicRequest.newBuilder().setName(required(name)).build();
    return Protos.topicFromProto(call(ep -> ep.admin().describeTopic(req)));
  }

  @Override
  public List<TopicInfo> listTopics() {
    ListTopicsRequest req = ListTopicsRequest.getDefaultInstance();
    List<TopicInfo> out = new ArrayList<>();
    for (Topic t : call(ep -> ep.admin().listTopics(req)).getTopicsList()) {
      out.add(Protos.topicFromProto(t));
    }
    return List.copyOf(out);
  }

  @Override
  public ConsumerGroupInfo describeConsumerGroup(String group, String topic) {
    DescribeConsumerGroupRequest req =
        DescribeConsumerGroupRequest.newBuilder()
            .setGroup(required(group))
            .setTopic(required(topic))
            .build();
    return Protos.groupFromProto(call(ep -> ep.admin().describeConsumerGroup(req)));
  }

  @Override
  public ConsumerGroupInfo resetConsumerGroupOffset(String group, String topic, OffsetReset position) {
    ResetConsumerGroupOffsetRequest.Builder req =
        ResetConsumerGroupOffsetRequest.newBuilder().setGroup(required(group)).setTopic(required(topic));
    Objects.requireNonNull(position, "position");
    if (position instanceof OffsetReset.ToStoreTime t) {
      req.setTimestampMs(t.time().toEpochMilli());
    } else if (position == OffsetReset.latest()) {
      req.setLatest(true);
    } else {
      req.setEarliest(true);
    }
    ResetConsumerGroupOffsetRequest request = req.build();
    return Protos.groupFromProto(call(ep -> ep.admin().resetConsumerGroupOffset(request)));
  }

  @Override
  public List<MessageView> queryMessagesById(String topic, String messageId) {
    return query(
        QueryMessagesRequest.newBuilder()
            .setTopic(required(topic))
            .setMessageId(Objects.requireNonNull(messageId, "messageId"))
            .build());
  }

  @Override
  public List<MessageView> queryMessagesByKey(String topic, String key, int maxMessages) {
    return query(
        QueryMessagesRequest.newBuilder()
            .setTopic(required(topic))
            .setKey(Objects.requireNonNull(key, "key"))
            .setMaxMessages(maxMessages)
            .build());
  }

  @Override
  public List<MessageView> queryMessagesByStoreTime(
      String topic, Instant from, Instant to, int maxMessages) {
    return query(
        QueryMessagesRequest.newBuilder()
            .setTopic(required(topic))
            .setStoreTime(
                TimeRange.newBuilder()
                    .setFromMs(from.toEpochMilli())
                    .setToMs(to.toEpochMilli()))
            .setMaxMessages(maxMessages)
            .build());
  }

  private List<MessageView> query(QueryMessagesRequest request) {
    List<MessageView> out = new ArrayList<>();
    for (Message m : call(ep -> ep.admin().queryMessages(request)).getMessagesList()) {
      out.add(new MessageViewImpl(Delivery.newBuilder().setMessage(m).build()));
    }
    return List.copyOf(out);
  }

  @Override
  public RetryPolicy setRetryPolicy(String group, RetryPolicy policy) {
    io.sluice.protocol.v1.RetryPolicy.Builder proto =
        io.sluice.protocol.v1.RetryPolicy.newBuilder().setMaxAttempts(policy.maxAttempts());
    policy.delays().forEach(d -> proto.addDelaysMs(d.toMillis()));
    SetRetryPolicyRequest req =
        SetRetryPolicyRequest.newBuilder().setGroup(required(group)).setPolicy(proto).build();
    return policyFromProto(call(ep -> ep.admin().setRetryPolicy(req)));
  }

  @Override
  public RetryPolicy retryPolicy(String group) {
    GetRetryPolicyRequest req = GetRetryPolicyRequest.newBuilder().setGroup(required(group)).build();
    return policyFromProto(call(ep -> ep.admin().getRetryPolicy(req)));
  }

  @Override
  public DeadLetterPage listDeadLetters(String group, int pageSize, boolean newestFirst, String pageToken) {
    ListDeadLettersRequest req =
        ListDeadLettersRequest.newBuilder()
            .setGroup(required(group))
            .setPageSize(pageSize)
            .setNewestFirst(newestFirst)
            .setPageToken(pageToken == null ? "" : pageToken)
            .build();
    ListDeadLettersResponse resp = call(ep -> ep.admin().listDeadLetters(req));
    List<DeadLetter> out = new ArrayList<>();
    for (io.sluice.protocol.v1.DeadLetter d : resp.getDeadLettersList()) {
      out.add(new DeadLetter(
          new MessageViewImpl(Delivery.newBuilder().setMessage(d.getMessage()).setAttempt(d.getAttempts()).build()),
          d.getOriginalTopic(), d.getOriginalQueueId(), d.getOriginalOffset(), d.getAttempts(),
          Instant.ofEpochMilli(d.getDeadLetteredAtMs())));
    }
    String next = resp.getNextPageToken();
    return new DeadLetterPage(out, next.isEmpty() ? Optional.empty() : Optional.of(next));
  }

  @Override
  public int redriveDeadLetters(String group, Collection<String> messageIds) {
    RedriveDeadLettersRequest req =
        RedriveDeadLettersRequest.newBuilder()
            .setGroup(required(group))
            .addAllMessageIds(messageIds)
            .build();
    return call(ep -> ep.admin().redriveDeadLetters(req)).getRedriven();
  }

  @Override
  public void cancelDelayedMessage(String topic, String messageId) {
    io.sluice.protocol.v1.CancelDelayedMessageRequest req =
        io.sluice.protocol.v1.CancelDelayedMessageRequest.newBuilder()
            .setTopic(required(topic))
            .setMessageId(required(messageId))
            .build();
    call(ep -> ep.admin().cancelDelayedMessage(req));
  }

  @Override
  public List<TransactionInfo> listOpenTransactions(String producerGroup) {
    return listTransactions(producerGroup, TransactionState.OPEN).stream()
        .map(TransactionProtos::infoFromProto)
        .toList();
  }

  @Override
  public List<ResolvedTransaction> listTransactionsResolvedByMaxChecks(String producerGroup) {
    return listTransactions(producerGroup, TransactionState.RESOLVED_BY_MAX_CHECKS).stream()
        .map(TransactionProtos::resolvedFromProto)
        .toList();
  }

  private List<TransactionSummary> listTransactions(String producerGroup, TransactionState state) {
    ListTransactionsRequest req =
        ListTransactionsRequest.newBuilder()
            .setProducerGroup(required(producerGroup))
            .setState(state)
            .build();
    return call(ep -> ep.admin().listTransactions(req)).getTransactionsList();
  }

  private static RetryPolicy policyFromProto(io.sluice.protocol.v1.RetryPolicy proto) {
    return new RetryPolicy(proto.getMaxAttempts(), proto.getDelaysMsList().stream().map(Duration::ofMillis).toList());
  }

  private <T> T call(
      java.util.function.Function<EndpointPool.Endpoint, java.util.concurrent.CompletionStage<T>>
          op) {
    context.ensureOpen();
    return Blocking.await(context.retrier().call(op));
  }

  private static String required(String value) {
    return Objects.requireNonNull(value, "name");
  }
}
