package io.sluice.gateway.consume;

import io.sluice.actors.consume.GroupQueue;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.cluster.QueueAvailability;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Reason;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
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
  private final QueueAvailability availability;
  private final ReceiptEpochs receipts;

  public GroupQueues(ActorSystem<?> system, io.sluice.actors.topic.TopicCatalog catalog, Duration askTimeout,
      QueueAvailability availability) {
    this.sharding = ClusterSharding.get(system);
    this.catalog = catalog;
    this.askTimeout = askTimeout;
    this.availability = availability;
    this.receipts = ReceiptEpochs.of(GroupMasters.get(system));
  }

  /** Receipt handles of this node: issued and checked against the broker groups' epochs. */
  public ReceiptEpochs receipts() {
    return receipts;
  }

  /** The entity id of the queue of the topic's current incarnation (a deleted topic's name falls back to the first). */
  private String entityId(String topic, int queueId) {
    return catalog.get(topic).map(config -> config.queueEntityId(queueId))
        .orElseGet(() -> Queue.entityId(topic, queueId));
  }

  /** {@code call} on the queue, or QUEUE_UNAVAILABLE at once when its broker group has no live node. */
  private <T> CompletionStage<T> onQueue(String topic, int queueId,
      Function<EntityRef<Queue.Command>, CompletionStage<T>> call) {
    String entityId = entityId(topic, queueId);
    return availability.ifAvailable(entityId, () -> call.apply(sharding.entityRefFor(Queue.ENTITY_KEY, entityId)));
  }

  /** Fails with QUEUE_UNAVAILABLE, naming the queue's broker group and why, unless the queue is available. */
  public void requireAvailable(String topic, int queueId) {
    String entityId = entityId(topic, queueId);
    if (!availability.isAvailable(entityId)) {
      throw availability.unavailable(entityId);
    }
  }

  /** Whether the queue's broker group has a live node (a queue of an unknown topic counts as available). */
  public boolean isAvailable(String topic, int queueId) {
    return availability.isAvailable(entityId(topic, queueId));
  }

  /**
   * Pulls at most {@code max} messages of at most {@code maxBytes} in all, except that with {@code
   * firstOfAnySize} the first goes whatever its size ({@link GroupQueue.Pull}).
   *
   * @param ordered the topic is FIFO: the queue keeps message-group order
   */
  public CompletionStage<GroupQueue.Pulled> pull(String group, String topic, int queueId, int max, long maxBytes,
      boolean firstOfAnySize, long invisibleMs, FilterExpression filter, boolean ordered) {
    return onQueue(topic, queueId, queue -> queue.ask(
        replyTo -> new Queue.ForGroup(group,
            new GroupQueue.Pull(max, maxBytes, firstOfAnySize, invisibleMs, filter, ordered, replyTo)),
        askTimeout));
  }

  /**
   * Asks the queue to tell {@code replyTo} once it has a message for the group (until {@code
   * deadlineMs}); nothing is asked of an unavailable queue.
   */
  public void await(String group, String topic, int queueId, long deadlineMs, ActorRef<GroupQueue.Available> replyTo) {
    String entityId = entityId(topic, queueId);
    if (availability.isAvailable(entityId)) {
      sharding.entityRefFor(Queue.ENTITY_KEY, entityId)
          .tell(new Queue.ForGroup(group, new GroupQueue.AwaitMessages(deadlineMs, replyTo)));
    }
  }

  /** Completes once the queue has a message for the group; fails (timeout) if none comes before {@code deadlineMs}. */
  public CompletionStage<GroupQueue.Available> whenAvailable(String group, String topic, int queueId, long deadlineMs) {
    Duration left = Duration.ofMillis(Math.max(1, deadlineMs - System.currentTimeMillis()));
    return onQueue(topic, queueId, queue -> queue.ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.AwaitMessages(deadlineMs, replyTo)), left));
  }

  /** Acks deliveries of one queue in one command; the reply names the refused receipts. */
  public CompletionStage<GroupQueue.Acked> ack(
      String group, String topic, int queueId, List<GroupQueue.Receipt> receipts) {
    return onQueue(topic, queueId, queue -> queue.ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.Ack(receipts, replyTo)), askTimeout));
  }

  public CompletionStage<Done> nack(String group, String topic, ReceiptHandle handle, long delayMs) {
    return receiptCall(onQueue(topic, handle.queueId(), queue -> queue.askWithStatus(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.Nack(handle.offset(), handle.nonce(), delayMs, replyTo)),
        askTimeout)));
  }

  public CompletionStage<GroupQueue.Renewed> changeInvisible(
      String group, String topic, ReceiptHandle handle, long invisibleMs) {
    return receiptCall(onQueue(topic, handle.queueId(), queue -> queue.askWithStatus(
        replyTo -> new Queue.ForGroup(group,
            new GroupQueue.ChangeInvisible(handle.offset(), handle.nonce(), invisibleMs, replyTo)),
        askTimeout)));
  }

  public CompletionStage<GroupQueue.Progress> describe(String group, String topic, int queueId) {
    return onQueue(topic, queueId, queue -> queue.ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.Describe(replyTo)), askTimeout));
  }

  /** Moves the group's position on one queue; completes with its progress after the move. */
  public CompletionStage<GroupQueue.Progress> resetTo(String group, String topic, int queueId, long offset) {
    return onQueue(topic, queueId, queue -> queue.ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.ResetTo(offset, replyTo)), askTimeout));
  }

  /** Starts the group's position on one queue at {@code offset} unless it exists already. */
  public CompletionStage<GroupQueue.Progress> startAt(String group, String topic, int queueId, long offset) {
    return onQueue(topic, queueId, queue -> queue.ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.StartAt(offset, replyTo)), askTimeout));
  }

  /** Settles offsets of one queue for the group without deliveries; completes once durable. */
  public CompletionStage<GroupQueue.Acked> settle(String group, String topic, int queueId, List<Long> offsets) {
    return onQueue(topic, queueId, queue -> queue.ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.Settle(offsets, replyTo)), askTimeout));
  }

  /** The group's persisted state on one queue: which offsets are settled. */
  public CompletionStage<GroupQueue.State> settled(String group, String topic, int queueId) {
    return onQueue(topic, queueId, queue -> queue.ask(
        replyTo -> new Queue.ForGroup(group, new GroupQueue.GetSettled(replyTo)), askTimeout));
  }

  public CompletionStage<Queue.EndOffset> endOffset(String topic, int queueId) {
    return onQueue(topic, queueId, queue -> queue.ask(Queue.GetEndOffset::new, askTimeout));
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

  /** The wire form of a delivery of {@code topic}, with a receipt handle naming it under its group's epoch now. */
  public Delivery toDelivery(TopicConfig topic, GroupQueue.Delivered delivered) {
    return Delivery.newBuilder()
        .setMessage(delivered.message())
        .setReceiptHandle(receipts.issue(
            topic, delivered.message().getQueueId(), delivered.message().getOffset(), delivered.nonce()).encode())
        .setAttempt(delivered.attempt())
        .setInvisibleUntilMs(delivered.invisibleUntilMs())
        .build();
  }
}
