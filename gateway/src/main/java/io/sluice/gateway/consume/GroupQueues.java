package io.sluice.gateway.consume;

import io.sluice.actors.consume.GroupQueue;
import io.sluice.actors.queue.Queue;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Reason;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The gateway's calls to consumer-group state ({@link GroupQueue}, hosted by each queue entity).
 *
 * <p>Thread-safety: any thread.
 */
public final class GroupQueues {
  private final ClusterSharding sharding;
  private final io.sluice.actors.topic.TopicCatalog catalog;
  private final Duration askTimeout;

  public GroupQueues(ActorSystem<?> system, io.sluice.actors.topic.TopicCatalog catalog, Duration askTimeout) {
    this.sharding = ClusterSharding.get(system);
    this.catalog = catalog;
    this.askTimeout = askTimeout;
  }

  /** The queue of the topic's current incarnation (a deleted topic's name falls back to the first). */
  private EntityRef<Queue.Command> queue(String topic, int queueId) {
    String entityId = catalog.get(topic).map(config -> config.queueEntityId(queueId))
        .orElseGet(() -> Queue.entityId(topic, queueId));
    return sharding.entityRefFor(Queue.ENTITY_KEY, entityId);
  }

  /**
   * Pulls at most {@code max} messages of at most {@code maxBytes} in all, except that with {@code
   * firstOfAnySize} the first goes whatever its size ({@link GroupQueue.Pull}).
   *
   * @param ordered the topic is FIFO: the queue keeps message-group order
   */
  public CompletionStage<GroupQueue.Pulled> pull(String group, String topic, int queueId, int max, long maxBytes,
      boolean firstOfAnySize, long invisibleMs, FilterExpression filter, boolean ordered) {
    return queue(topic, queueId).ask(
        replyTo -> new Queue.ForGroup(group,
            new GroupQueue.Pull(max, maxBytes, firstOfAnySize, invisibleMs, filter, ordered, replyTo)),
        askTimeout);
  }

  /** Asks the queue to tell {@code replyTo} once it has a message for the group (until {@code deadlineMs}). */
  public void await(String group, String topic, int queueId, long deadlineMs, ActorRef<GroupQueue.Available> replyTo) {
    queue(topic, queueId).tell(new Queue.ForGroup(group, new GroupQueue.AwaitMessages(deadlineMs, replyTo)));
  }

  /** Completes once the queue has a message for the group; fails (timeout) if none comes before {@code deadlineMs}. */
  public CompletionStage<GroupQueue.Available> whenAvailable(String group, String topic, int queueId, long deadlineMs) {
    Duration left = Duration.ofMillis(Math.max(1, deadlineMs - System.currentTimeMillis()));
    return queue(topic, queueId).ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.AwaitMessages(deadlineMs, replyTo)), left);
  }

  /** Acks deliveries of one queue in one command; the reply names the refused receipts. */
  public CompletionStage<GroupQueue.Acked> ack(
      String group, String topic, int queueId, List<GroupQueue.Receipt> receipts) {
    return queue(topic, queueId).ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.Ack(receipts, replyTo)), askTimeout);
  }

  public CompletionStage<Done> nack(String group, String topic, ReceiptHandle handle, long delayMs) {
    return receiptCall(queue(topic, handle.queueId()).askWithStatus(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.Nack(handle.offset(), handle.nonce(), delayMs, replyTo)),
        askTimeout));
  }

  public CompletionStage<GroupQueue.Renewed> changeInvisible(
      String group, String topic, ReceiptHandle handle, long invisibleMs) {
    return receiptCall(queue(topic, handle.queueId()).askWithStatus(
        replyTo -> new Queue.ForGroup(group,
            new GroupQueue.ChangeInvisible(handle.offset(), handle.nonce(), invisibleMs, replyTo)),
        askTimeout));
  }

  public CompletionStage<GroupQueue.Progress> describe(String group, String topic, int queueId) {
    return queue(topic, queueId).ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.Describe(replyTo)), askTimeout);
  }

  /** Moves the group's position on one queue; completes with its progress after the move. */
  public CompletionStage<GroupQueue.Progress> resetTo(String group, String topic, int queueId, long offset) {
    return queue(topic, queueId).ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.ResetTo(offset, replyTo)), askTimeout);
  }

  /** Starts the group's position on one queue at {@code offset} unless it exists already. */
  public CompletionStage<GroupQueue.Progress> startAt(String group, String topic, int queueId, long offset) {
    return queue(topic, queueId).ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.StartAt(offset, replyTo)), askTimeout);
  }

  /** Settles offsets of one queue for the group without deliveries; completes once durable. */
  public CompletionStage<GroupQueue.Acked> settle(String group, String topic, int queueId, List<Long> offsets) {
    return queue(topic, queueId).ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.Settle(offsets, replyTo)), askTimeout);
  }

  /** The group's persisted state on one queue: which offsets are settled. */
  public CompletionStage<GroupQueue.State> settled(String group, String topic, int queueId) {
    return queue(topic, queueId).ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.GetSettled(replyTo)), askTimeout);
  }

  public CompletionStage<Queue.EndOffset> endOffset(String topic, int queueId) {
    return queue(topic, queueId).ask(Queue.GetEndOffset::new, askTimeout);
  }

  /** A refused receipt comes back as a status error: the caller sees INVALID_RECEIPT with its text. */
  private static <T> CompletionStage<T> receiptCall(CompletionStage<T> call) {
    return call.exceptionally(failure -> {
      Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      if (cause instanceof StatusReply.ErrorMessage refused) {
        throw BrokerException.invalid(Reason.INVALID_RECEIPT, refused.getMessage());
      }
      throw BrokerException.of(cause);
    });
  }

  /** The wire form of a delivery, with a receipt handle naming it. */
  public static Delivery toDelivery(GroupQueue.Delivered delivered) {
    return Delivery.newBuilder()
        .setMessage(delivered.message())
        .setReceiptHandle(new ReceiptHandle(
            delivered.message().getQueueId(), delivered.message().getOffset(), delivered.nonce()).encode())
        .setAttempt(delivered.attempt())
        .setInvisibleUntilMs(delivered.invisibleUntilMs())
        .build();
  }
}
