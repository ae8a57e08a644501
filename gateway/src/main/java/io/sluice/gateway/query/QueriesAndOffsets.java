package io.sluice.gateway.query;

import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.KnownTopics;
import io.sluice.gateway.Names;
import io.sluice.gateway.consume.GroupQueues;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.QueryMessagesRequest;
import io.sluice.protocol.v1.QueryMessagesResponse;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.ResetConsumerGroupOffsetRequest;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.IntToLongFunction;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin calls that read the store directly: message lookups and consumer-group position resets.
 * Store reads run on Pekko's blocking-I/O dispatcher.
 */
public final class QueriesAndOffsets {
  private static final Logger log = LoggerFactory.getLogger(QueriesAndOffsets.class);
  public static final int DEFAULT_MAX_MESSAGES = 32;
  static final int MAX_MESSAGES = 1000;

  private final TopicCatalog catalog;
  private final GroupQueues groups;
  private final Function<String, StoredMessages> stored;
  private final Executor blockingIo;

  public QueriesAndOffsets(ActorSystem<?> system, TopicCatalog catalog, GroupQueues groups,
      Function<String, StoredMessages> stored) {
    this.catalog = catalog;
    this.groups = groups;
    this.stored = stored;
    this.blockingIo = system.dispatchers().lookup(DispatcherSelector.blocking());
  }

  /** A lookup in the store of broker group {@code group} ("" for queues without one). */
  public CompletionStage<QueryMessagesResponse> query(String group, QueryMessagesRequest request) {
    TopicConfig topic = KnownTopics.require(catalog, request.getTopic());
    StoredMessages stored = this.stored.apply(group);
    int max = request.getMaxMessages() == 0 ? DEFAULT_MAX_MESSAGES : request.getMaxMessages();
    if (max < 1 || max > MAX_MESSAGES) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "max_messages " + max + " is outside 1 .. " + MAX_MESSAGES);
    }
    Supplier<List<Message>> lookup = switch (request.getCriterionCase()) {
      case MESSAGE_ID -> {
        String id = nonEmpty("message_id", request.getMessageId());
        yield () -> stored.byMessageId(topic, id, max);
      }
      case KEY -> {
        String key = nonEmpty("key", request.getKey());
        yield () -> stored.byKey(topic, key, max);
      }
      case STORE_TIME -> {
        long from = request.getStoreTime().getFromMs();
        long to = request.getStoreTime().getToMs();
        if (from < 0 || to < from) {
          throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
              "store_time [" + from + ", " + to + "] is not a range of epoch milliseconds");
        }
        yield () -> stored.byStoreTime(topic, from, to, max);
      }
      default -> throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "give one of message_id, key or store_time");
    };
    return CompletableFuture.supplyAsync(
        () -> QueryMessagesResponse.newBuilder().addAllMessages(lookup.get()).build(), blockingIo);
  }

  /**
   * Refuses a reset of a topic with an unavailable queue (QUEUE_UNAVAILABLE naming it): every queue
   * or none, since a reset that moved only the available queues would leave the group split.
   */
  public void requireEveryQueueAvailable(ResetConsumerGroupOffsetRequest request) {
    Names.checkConsumerGroup(request.getGroup());
    TopicConfig topic = KnownTopics.require(catalog, request.getTopic());
    for (int q = 0; q < topic.queueCount(); q++) {
      groups.requireAvailable(topic.name(), q);
    }
  }

  /**
   * Where a reset moves each queue of the topic (by queue id), as the store of broker group {@code
   * group} says: right for the queues whose data is there.
   */
  public CompletionStage<List<Long>> offsets(String group, ResetConsumerGroupOffsetRequest request) {
    Names.checkConsumerGroup(request.getGroup());
    TopicConfig topic = KnownTopics.require(catalog, request.getTopic());
    StoredMessages stored = this.stored.apply(group);
    // the offset each queue moves to, looked up in the store
    IntToLongFunction offsetOf = switch (request.getPositionCase()) {
      case EARLIEST -> queueId -> stored.earliestOffset(topic, queueId);
      case LATEST -> queueId -> stored.endOffset(topic, queueId);
      case TIMESTAMP_MS -> {
        long timeMs = request.getTimestampMs();
        if (timeMs < 0) {
          throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "timestamp_ms " + timeMs + " is negative");
        }
        yield queueId -> stored.offsetAtTime(topic, queueId, timeMs);
      }
      default -> throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "give one of earliest, latest or timestamp_ms");
    };
    return CompletableFuture.supplyAsync(
        () -> IntStream.range(0, topic.queueCount()).mapToObj(q -> offsetOf.applyAsLong(q)).toList(), blockingIo);
  }

  /** Moves the group's position on each queue of the topic to {@code offsets} (by queue id). */
  public CompletionStage<Void> resetTo(ResetConsumerGroupOffsetRequest request, List<Long> offsets) {
    String group = Names.checkConsumerGroup(request.getGroup());
    TopicConfig topic = KnownTopics.require(catalog, request.getTopic());
    String where = request.getPositionCase() == ResetConsumerGroupOffsetRequest.PositionCase.TIMESTAMP_MS
        ? "time " + request.getTimestampMs() : request.getPositionCase().name().toLowerCase(Locale.ROOT);
    log.info("Resetting group {} on topic {} to {}: offsets {}", group, topic.name(), where, offsets);
    CompletableFuture<?>[] moves = new CompletableFuture<?>[Math.min(offsets.size(), topic.queueCount())];
    for (int q = 0; q < moves.length; q++) {
      moves[q] = groups.resetTo(group, topic.name(), q, offsets.get(q)).toCompletableFuture();
    }
    return CompletableFuture.allOf(moves);
  }

  private static String nonEmpty(String field, String value) {
    if (value.isEmpty()) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT, field + " is empty");
    }
    return value;
  }
}
