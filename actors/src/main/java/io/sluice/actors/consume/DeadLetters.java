package io.sluice.actors.consume;

import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * A consumer group's dead-letter queue: topic {@code %DLQ%<group>} with one queue, created on
 * demand. A dead letter is the original message (id, body, tag, keys, properties) plus properties
 * naming where it came from and how often it was tried.
 */
public final class DeadLetters {
  public static final String TOPIC_PREFIX = "%DLQ%";
  public static final String ORIGINAL_TOPIC = "sluice.dlq.original-topic";
  public static final String ORIGINAL_QUEUE = "sluice.dlq.original-queue";
  public static final String ORIGINAL_OFFSET = "sluice.dlq.original-offset";
  public static final String ATTEMPTS = "sluice.dlq.attempts";
  /**
   * The internal consumer group on a dead-letter queue whose acks mark dead letters redriven: it
   * never pulls, its state only records the settled offsets, and listing skips them.
   */
  public static final String REDRIVEN_GROUP = "%REDRIVEN%";

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  private DeadLetters() {}

  public static String topicOf(String group) {
    return TOPIC_PREFIX + group;
  }

  /** The dead letter of {@code original}, failed {@code attempts} times. */
  public static Message of(Message original, int attempts) {
    return original.toBuilder()
        .putProperties(ORIGINAL_TOPIC, original.getTopic())
        .putProperties(ORIGINAL_QUEUE, Integer.toString(original.getQueueId()))
        .putProperties(ORIGINAL_OFFSET, Long.toString(original.getOffset()))
        .putProperties(ATTEMPTS, Integer.toString(attempts))
        .build();
  }

  /** The message a dead letter becomes when redriven: the original, without the dead-letter properties. */
  public static Message redriven(Message deadLetter) {
    return deadLetter.toBuilder()
        .removeProperties(ORIGINAL_TOPIC)
        .removeProperties(ORIGINAL_QUEUE)
        .removeProperties(ORIGINAL_OFFSET)
        .removeProperties(ATTEMPTS)
        .build();
  }

  /**
   * Reads the message at {@code offset} back ({@code reads}: in-flight deliveries keep no bodies)
   * and appends its dead letter, failed {@code attempts} times, as {@link #append} does. Completes
   * with the message id once the append is durable, or with null if retention removed the message.
   */
  static CompletionStage<String> readAndAppend(
      ActorSystem<?> system, MessageReads reads, long offset, int attempts, String group) {
    return reads.read(java.util.List.of(offset), 1).thenCompose(found -> found.isEmpty()
        ? java.util.concurrent.CompletableFuture.completedFuture((String) null)
        : append(system, group, of(found.get(0), attempts)).thenApply(appended -> found.get(0).getMessageId()));
  }

  /**
   * Creates the group's dead-letter topic if needed, then appends {@code deadLetter} to its queue 0
   * as the registry placed it (the queue's entity id names its broker group); completes once the
   * append is durable.
   */
  public static CompletionStage<Queue.Appended> append(ActorSystem<?> system, String group, Message deadLetter) {
    String topic = topicOf(group);
    var registry = TopicRegistry.init(system);
    return AskPattern.<TopicRegistry.Command, TopicRegistry.Change>ask(registry,
            replyTo -> new TopicRegistry.EnsureTopic(new TopicConfig(topic, 1, MessageType.NORMAL, 0), replyTo),
            ASK_TIMEOUT, system.scheduler())
        .thenCompose(change -> {
          if (!(change instanceof TopicRegistry.Changed changed) || changed.topics().get(topic).isEmpty()) {
            throw new IllegalStateException("dead-letter topic " + topic + " not created: " + change);
          }
          String queue = changed.topics().get(topic).get().queueEntityId(0);
          return ClusterSharding.get(system)
              .entityRefFor(Queue.ENTITY_KEY, queue)
              .askWithStatus(replyTo -> new Queue.Append(java.util.List.of(deadLetter), replyTo), ASK_TIMEOUT);
        });
  }
}
