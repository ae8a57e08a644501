package io.sluice.gateway.deadletter;

import io.grpc.Status;
import io.sluice.actors.consume.DeadLetters;
import io.sluice.actors.consume.GroupQueue;
import io.sluice.actors.group.ConsumerGroupRegistry;
import io.sluice.actors.group.RetryPolicies;
import io.sluice.actors.placement.GroupPlugins;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.Names;
import io.sluice.gateway.consume.GroupQueues;
import io.sluice.gateway.transaction.Transactions;
import io.sluice.protocol.v1.DeadLetter;
import io.sluice.protocol.v1.ListDeadLettersRequest;
import io.sluice.protocol.v1.ListDeadLettersResponse;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.RedriveDeadLettersRequest;
import io.sluice.protocol.v1.RedriveDeadLettersResponse;
import io.sluice.protocol.v1.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Retry policies and dead-letter queues of consumer groups, for the admin service. A group's
 * pending dead letters are the messages of its queue {@code %DLQ%<group>/0} not settled by the
 * internal group {@link DeadLetters#REDRIVEN_GROUP}: redriving appends each to its original topic,
 * then settles it there. A crash between the two redrives it again on the next call (a duplicate,
 * never a loss).
 *
 * <p>The dead-letter queue is read from this node's journal, with the read journal of the queue's
 * broker group ({@link GroupPlugins}): in a cluster the call must reach the node hosting that queue.
 */
public final class DeadLetterAdmin {
  private static final int DEFAULT_PAGE_SIZE = 100;
  private static final int MAX_PAGE_SIZE = 1000;

  private final ActorSystem<?> system;
  private final ActorRef<ConsumerGroupRegistry.Command> registry;
  private final TopicCatalog catalog;
  private final GroupQueues groups;
  private final GroupPlugins plugins;
  private final Duration askTimeout;

  public DeadLetterAdmin(ActorSystem<?> system, TopicCatalog catalog, GroupQueues groups, String readJournalPluginId,
      Duration askTimeout) {
    this.system = system;
    this.registry = ConsumerGroupRegistry.init(system);
    this.catalog = catalog;
    this.groups = groups;
    this.plugins = GroupPlugins.fromConfig(system.settings().config(), readJournalPluginId);
    this.askTimeout = askTimeout;
  }

  public CompletionStage<RetryPolicy> setRetryPolicy(String group, RetryPolicy policy) {
    Names.checkConsumerGroup(group);
    var checked = RetryPolicyProtos.fromProto(policy);
    return AskPattern.<ConsumerGroupRegistry.Command, StatusReply<RetryPolicies>>ask(registry,
            replyTo -> new ConsumerGroupRegistry.SetRetryPolicy(group, checked, replyTo), askTimeout, system.scheduler())
        .thenApply(reply -> {
          if (reply.isError()) {
            throw BrokerException.registryOutcomeUnknown(reply.getError().getMessage());
          }
          return RetryPolicyProtos.toProto(reply.getValue().of(group));
        });
  }

  public CompletionStage<RetryPolicy> retryPolicy(String group) {
    Names.checkConsumerGroup(group);
    return AskPattern.ask(registry, ConsumerGroupRegistry.GetRetryPolicies::new, askTimeout, system.scheduler())
        .thenApply(policies -> RetryPolicyProtos.toProto(policies.of(group)));
  }

  public CompletionStage<ListDeadLettersResponse> list(ListDeadLettersRequest request) {
    String group = Names.checkConsumerGroup(request.getGroup());
    int pageSize = request.getPageSize() == 0 ? DEFAULT_PAGE_SIZE : request.getPageSize();
    if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "page size " + pageSize + " is outside 1 .. " + MAX_PAGE_SIZE);
    }
    long token = pageToken(request.getPageToken());
    if (request.getNewestFirst()) {
      // the page ends below the token: read up to it, keep the newest
      return pending(group, 0, token < 0 ? Long.MAX_VALUE : token).thenApply(all -> {
        List<Message> page = new ArrayList<>(all.subList(Math.max(0, all.size() - pageSize), all.size()));
        Collections.reverse(page);
        String next = all.size() > pageSize ? Long.toString(page.get(page.size() - 1).getOffset()) : "";
        return response(page, next);
      });
    }
    return pending(group, Math.max(0, token), Long.MAX_VALUE).thenApply(all -> {
      List<Message> page = all.subList(0, Math.min(pageSize, all.size()));
      String next = all.size() > pageSize ? Long.toString(all.get(pageSize).getOffset()) : "";
      return response(page, next);
    });
  }

  public CompletionStage<RedriveDeadLettersResponse> redrive(RedriveDeadLettersRequest request) {
    String group = Names.checkConsumerGroup(request.getGroup());
    Set<String> ids = new HashSet<>(request.getMessageIdsList());
    return pending(group, 0, Long.MAX_VALUE).thenCompose(all -> {
      List<Message> chosen = ids.isEmpty() ? all
          : all.stream().filter(m -> ids.contains(m.getMessageId())).toList();
      Set<String> missing = new HashSet<>(ids);
      chosen.forEach(m -> missing.remove(m.getMessageId()));
      if (!missing.isEmpty()) {
        throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
            "not dead letters of group '" + group + "': " + missing.stream().sorted().toList());
      }
      return appendToOriginals(chosen)
          .thenCompose(done -> groups.settle(DeadLetters.REDRIVEN_GROUP, DeadLetters.topicOf(group), 0,
              chosen.stream().map(Message::getOffset).toList()))
          .thenApply(settled -> {
            system.log().info("Redrove {} dead letters of group {}: {}", chosen.size(), group,
                chosen.stream().map(Message::getMessageId).toList());
            return RedriveDeadLettersResponse.newBuilder().setRedriven(chosen.size()).build();
          });
    });
  }

  /** Appends each dead letter to its original queue (as a new message there), one batch per queue. */
  private CompletionStage<Void> appendToOriginals(List<Message> deadLetters) {
    Map<String, List<Message>> byQueue = new LinkedHashMap<>();
    for (Message m : deadLetters) {
      String topic = m.getPropertiesOrDefault(DeadLetters.ORIGINAL_TOPIC, "");
      TopicConfig config = catalog.get(topic).orElseThrow(() -> new BrokerException(Status.Code.NOT_FOUND,
          Reason.TOPIC_NOT_FOUND, "dead letter " + m.getMessageId() + " came from topic '" + topic
              + "', which no longer exists"));
      Message redriven = DeadLetters.redriven(m);
      checkType(config, redriven);
      int queueId = (int) Math.floorMod(number(m, DeadLetters.ORIGINAL_QUEUE), config.queueCount());
      // before any append: a redrive either goes to every original queue or to none
      groups.requireAvailable(topic, queueId);
      byQueue.computeIfAbsent(config.queueEntityId(queueId), q -> new ArrayList<>()).add(redriven);
    }
    ClusterSharding sharding = ClusterSharding.get(system);
    List<CompletableFuture<Queue.Appended>> appends = new ArrayList<>();
    byQueue.forEach((entityId, batch) -> appends.add(sharding.entityRefFor(Queue.ENTITY_KEY, entityId)
        .askWithStatus((ActorRef<StatusReply<Queue.Appended>> replyTo) ->
            new Queue.Append(batch, false, replyTo), askTimeout)
        .toCompletableFuture()));
    return CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new));
  }

  /**
   * A dead letter goes back only into a topic of its kind: the topic may have been deleted and
   * created again with another message type since.
   *
   * @throws BrokerException MESSAGE_TYPE_MISMATCH
   */
  static void checkType(TopicConfig topic, Message redriven) {
    Transactions.check(topic, redriven);
    if (topic.messageType() == MessageType.FIFO && redriven.getMessageGroup().isEmpty()) {
      throw BrokerException.invalid(Reason.MESSAGE_TYPE_MISMATCH, "dead letter " + redriven.getMessageId()
          + " has no message group and cannot go back to FIFO topic '" + topic.name() + "'");
    }
  }

  /** A number the broker wrote into a dead letter's properties; 0 if absent or not a number. */
  static long number(Message deadLetter, String property) {
    try {
      return Long.parseLong(deadLetter.getPropertiesOrDefault(property, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The group's dead letters at offsets {@code from} (inclusive) .. {@code to} (exclusive) not yet redriven, oldest first. */
  private CompletionStage<List<Message>> pending(String group, long from, long to) {
    String topic = DeadLetters.topicOf(group);
    return groups.settled(DeadLetters.REDRIVEN_GROUP, topic, 0).thenCombine(groups.endOffset(topic, 0), Extent::new)
        .thenCompose(extent -> {
          GroupQueue.State settled = extent.settled();
          long first = Math.max(from, settled.watermark());
          long last = Math.min(to, extent.end().offset());
          if (first >= last) {
            return CompletableFuture.completedFuture(List.<Message>of());
          }
          // offset = sequence number - 1
          // the queue as placed when the topic exists (the persistence id never names the group)
          String queue = catalog.get(topic).map(config -> config.queueEntityId(0)).orElseGet(() -> Queue.entityId(topic, 0));
          CurrentEventsByPersistenceIdQuery journal = PersistenceQuery.get(Adapter.toClassic(system))
              .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, plugins.forEntity(queue).query());
          return journal.currentEventsByPersistenceId(Queue.persistenceIdOf(queue).id(),
                  first + 1, last)
              .map(envelope -> ((Queue.MessageStored) envelope.event()).message())
              .filter(m -> !settled.isAcked(m.getOffset()))
              .runWith(Sink.seq(), system);
        });
  }

  private record Extent(GroupQueue.State settled, Queue.EndOffset end) {}

  private static long pageToken(String token) {
    if (token.isEmpty()) {
      return -1;
    }
    try {
      long offset = Long.parseLong(token);
      if (offset >= 0) {
        return offset;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "page token '" + token + "' was not issued by this broker");
  }

  private static ListDeadLettersResponse response(List<Message> page, String nextToken) {
    ListDeadLettersResponse.Builder out = ListDeadLettersResponse.newBuilder().setNextPageToken(nextToken);
    for (Message m : page) {
      out.addDeadLetters(DeadLetter.newBuilder()
          .setMessage(m)
          .setOriginalTopic(m.getPropertiesOrDefault(DeadLetters.ORIGINAL_TOPIC, ""))
          .setOriginalQueueId((int) number(m, DeadLetters.ORIGINAL_QUEUE))
          .setOriginalOffset(number(m, DeadLetters.ORIGINAL_OFFSET))
          .setAttempts((int) number(m, DeadLetters.ATTEMPTS))
          .setDeadLetteredAtMs(m.getStoreTimestampMs()));
    }
    return out.build();
  }
}
