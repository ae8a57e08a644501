package io.sluice.gateway.owner;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.sluice.actors.consume.DeadLetters;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.KnownTopics;
import io.sluice.gateway.deadletter.DeadLetterAdmin;
import io.sluice.gateway.query.QueriesAndOffsets;
import io.sluice.protocol.v1.ListDeadLettersRequest;
import io.sluice.protocol.v1.ListDeadLettersResponse;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.QueryMessagesRequest;
import io.sluice.protocol.v1.QueryMessagesResponse;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.RedriveDeadLettersRequest;
import io.sluice.protocol.v1.RedriveDeadLettersResponse;
import io.sluice.protocol.v1.ResetConsumerGroupOffsetRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The admin calls that read a node's own store, each run where the data is: a message lookup asks
 * every broker group holding queues of the topic and merges ({@link LookupMerge}); a position reset
 * takes each queue's offset from its group's owner, then moves the group's positions through
 * sharding; dead letters are listed and redriven by the owner of the dead-letter queue. Calls for
 * a group this node serves (or data without a group) run here, on that group's store. Thread-safe.
 */
public final class OwnedAdminCalls implements OwnerCalls.Local {
  private final TopicCatalog catalog;
  private final QueriesAndOffsets queries;
  private final DeadLetterAdmin deadLetters;
  private final OwnerRouter router;

  public OwnedAdminCalls(TopicCatalog catalog, QueriesAndOffsets queries, DeadLetterAdmin deadLetters, OwnerRouter router) {
    this.catalog = catalog;
    this.queries = queries;
    this.deadLetters = deadLetters;
    this.router = router;
  }

  public CompletionStage<QueryMessagesResponse> query(QueryMessagesRequest request) {
    TopicConfig topic = KnownTopics.require(catalog, request.getTopic());
    return router.callAll(groupsOf(topic), OwnerCalls.Kind.QUERY_MESSAGES, request.toByteArray(), group -> queryHere(group, request))
        .thenApply(answers -> {
          List<List<Message>> found = new ArrayList<>();
          for (byte[] answer : answers.values()) {
            found.add(parse(() -> QueryMessagesResponse.parseFrom(answer)).getMessagesList());
          }
          int max = request.getMaxMessages() == 0 ? QueriesAndOffsets.DEFAULT_MAX_MESSAGES : request.getMaxMessages();
          return QueryMessagesResponse.newBuilder()
              .addAllMessages(LookupMerge.merge(request.getCriterionCase(), found, max))
              .build();
        });
  }

  public CompletionStage<Void> reset(ResetConsumerGroupOffsetRequest request) {
    TopicConfig topic = KnownTopics.require(catalog, request.getTopic());
    queries.requireEveryQueueAvailable(request);
    return router.callAll(groupsOf(topic), OwnerCalls.Kind.QUEUE_OFFSETS, request.toByteArray(), group -> offsetsHere(group, request))
        .thenCompose(answers -> {
          Map<String, List<Long>> byGroup = new java.util.HashMap<>();
          answers.forEach((group, bytes) -> byGroup.put(group, QueueOffsets.decode(bytes)));
          List<Long> offsets = new ArrayList<>(topic.queueCount());
          for (int q = 0; q < topic.queueCount(); q++) {
            List<Long> owners = byGroup.get(topic.brokerGroupOf(q));
            if (owners == null || q >= owners.size()) {
              throw new BrokerException(Status.Code.INTERNAL, Reason.STORAGE_ERROR,
                  "no offset of queue " + q + " of topic '" + topic.name() + "' from broker group " + topic.brokerGroupOf(q));
            }
            offsets.add(owners.get(q));
          }
          return queries.resetTo(request, offsets);
        });
  }

  public CompletionStage<ListDeadLettersResponse> listDeadLetters(ListDeadLettersRequest request) {
    return router.call(deadLetterGroupOf(request.getGroup()), OwnerCalls.Kind.LIST_DEAD_LETTERS, request.toByteArray(),
            group -> deadLetters.list(request).thenApply(ListDeadLettersResponse::toByteArray))
        .thenApply(bytes -> parse(() -> ListDeadLettersResponse.parseFrom(bytes)));
  }

  public CompletionStage<RedriveDeadLettersResponse> redriveDeadLetters(RedriveDeadLettersRequest request) {
    return router.call(deadLetterGroupOf(request.getGroup()), OwnerCalls.Kind.REDRIVE_DEAD_LETTERS, request.toByteArray(),
            group -> deadLetters.redrive(request).thenApply(RedriveDeadLettersResponse::toByteArray))
        .thenApply(bytes -> parse(() -> RedriveDeadLettersResponse.parseFrom(bytes)));
  }

  /** A call another node handed to this one, the owner of {@code group}'s data. */
  @Override
  public CompletionStage<byte[]> run(String group, OwnerCalls.Kind kind, byte[] request) {
    switch (kind) {
      case QUERY_MESSAGES:
        return queryHere(group, parse(() -> QueryMessagesRequest.parseFrom(request)));
      case QUEUE_OFFSETS:
        return offsetsHere(group, parse(() -> ResetConsumerGroupOffsetRequest.parseFrom(request)));
      case LIST_DEAD_LETTERS:
        return deadLetters.list(parse(() -> ListDeadLettersRequest.parseFrom(request)))
            .thenApply(ListDeadLettersResponse::toByteArray);
      case REDRIVE_DEAD_LETTERS:
        return deadLetters.redrive(parse(() -> RedriveDeadLettersRequest.parseFrom(request)))
            .thenApply(RedriveDeadLettersResponse::toByteArray);
      default:
        return CompletableFuture.failedFuture(new IllegalArgumentException("unknown owner call " + kind));
    }
  }

  private CompletionStage<byte[]> queryHere(String group, QueryMessagesRequest request) {
    return queries.query(group, request).thenApply(QueryMessagesResponse::toByteArray);
  }

  private CompletionStage<byte[]> offsetsHere(String group, ResetConsumerGroupOffsetRequest request) {
    return queries.offsets(group, request).thenApply(QueueOffsets::encode);
  }

  /** The broker groups holding the topic's queues; "" stands for queues without one. */
  private static Set<String> groupsOf(TopicConfig topic) {
    Set<String> groups = new TreeSet<>();
    for (int q = 0; q < topic.queueCount(); q++) {
      groups.add(topic.brokerGroupOf(q));
    }
    return groups;
  }

  /** The broker group of a consumer group's dead-letter queue; "" (here) before it has any. */
  private String deadLetterGroupOf(String consumerGroup) {
    return catalog.get(DeadLetters.topicOf(consumerGroup)).map(t -> t.brokerGroupOf(0)).orElse("");
  }

  private interface Parse<T> {
    T run() throws InvalidProtocolBufferException;
  }

  private static <T> T parse(Parse<T> parse) {
    try {
      return parse.run();
    } catch (InvalidProtocolBufferException e) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "malformed owner call: " + e.getMessage());
    }
  }
}
