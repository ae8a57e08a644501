package io.sluice.gateway.delay;

import io.grpc.Status;
import io.sluice.actors.delay.DelaySchedule;
import io.sluice.actors.delay.DelayTimer;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.Topics;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.cluster.QueueAvailability;
import io.sluice.gateway.KnownTopics;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * The gateway's side of delayed messages: hands a DELAY topic's messages to the timer of their
 * queue ({@link DelayTimer}), cancels pending ones, and wakes the timers after a restart (sharded
 * entities start on their first message, and a timer must fire without one).
 *
 * <p>Thread-safety: any thread.
 */
public final class DelayedMessages {
  private final ActorSystem<?> system;
  private final TopicCatalog catalog;
  private final Duration askTimeout;
  private final QueueAvailability availability;

  public DelayedMessages(ActorSystem<?> system, TopicCatalog catalog, Duration askTimeout, QueueAvailability availability) {
    this.system = system;
    this.catalog = catalog;
    this.askTimeout = askTimeout;
    this.availability = availability;
  }

  /** Stores {@code messages} (bound for queue {@code queueEntityId}) durably until they are due. */
  public CompletionStage<Done> schedule(String queueEntityId, List<Message> messages) {
    return availability.ifAvailable(queueEntityId,
        () -> timer(queueEntityId).askWithStatus(replyTo -> new DelayTimer.Schedule(messages, replyTo), askTimeout));
  }

  /**
   * Cancels pending message {@code messageId} of DELAY topic {@code topicName}. Its queue is not
   * known here, so every queue's timer is asked; at most one knows the id.
   */
  public CompletionStage<Done> cancel(String topicName, String messageId) {
    TopicConfig topic = KnownTopics.require(catalog, topicName);
    if (topic.messageType() != MessageType.DELAY) {
      throw BrokerException.invalid(Reason.MESSAGE_TYPE_MISMATCH,
          "topic '" + topicName + "' is a " + topic.messageType() + " topic: only DELAY topics hold delayed messages");
    }
    if (messageId.isEmpty()) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "message id is empty");
    }
    List<CompletableFuture<DelayTimer.CancelResult>> answers = new ArrayList<>();
    for (int q = 0; q < topic.queueCount(); q++) {
      String queue = topic.queueEntityId(q);
      answers.add(availability.ifAvailable(queue, () -> timer(queue)
              .<DelayTimer.CancelResult>ask(replyTo -> new DelayTimer.Cancel(messageId, replyTo), askTimeout))
          .toCompletableFuture());
    }
    // Answers of the available queues first: the timer that knows the id settles it even while
    // another queue is unavailable; otherwise the first failure (such as QUEUE_UNAVAILABLE) does.
    return CompletableFuture.allOf(answers.stream().map(a -> a.handle((r, e) -> r)).toArray(CompletableFuture[]::new))
        .thenApply(all -> {
          DelaySchedule.Status known = DelaySchedule.Status.UNKNOWN;
          Throwable failure = null;
          for (CompletableFuture<DelayTimer.CancelResult> answer : answers) {
            if (answer.isCompletedExceptionally()) {
              failure = failure != null ? failure : answer.handle((r, e) -> e).join();
            } else if (answer.join().status() != DelaySchedule.Status.UNKNOWN) {
              known = answer.join().status();
            }
          }
          if (known == DelaySchedule.Status.UNKNOWN && failure != null) {
            throw BrokerException.of(failure);
          }
          return outcome(topicName, messageId, known);
        });
  }

  private static Done outcome(String topic, String messageId, DelaySchedule.Status status) {
    switch (status) {
      case PENDING:
        return Done.getInstance();
      case DELIVERED:
        throw new BrokerException(Status.Code.FAILED_PRECONDITION, Reason.MESSAGE_NOT_PENDING,
            "delayed message " + messageId + " of topic '" + topic + "' was delivered already (or is being delivered)");
      case CANCELLED:
        throw new BrokerException(Status.Code.FAILED_PRECONDITION, Reason.MESSAGE_NOT_PENDING,
            "delayed message " + messageId + " of topic '" + topic + "' was cancelled already");
      default:
        throw new BrokerException(Status.Code.NOT_FOUND, Reason.MESSAGE_NOT_PENDING,
            "topic '" + topic + "' has no delayed message " + messageId);
    }
  }

  /** Starts the timer of every queue of every DELAY topic in {@code topics}. */
  public void wakeAll(Topics topics) {
    // a queue of another group is woken by its own node when that node starts
    wake(topics, availability::isAvailable);
  }

  /**
   * Starts the timer of every queue of broker group {@code group} of every DELAY topic in {@code
   * topics}: the group became served here (a promoted master), and a timer must fire without a message.
   */
  public void wakeGroup(Topics topics, String group) {
    wake(topics, queueEntityId -> Queue.brokerGroupOf(queueEntityId).equals(group));
  }

  private void wake(Topics topics, Predicate<String> queueEntityIds) {
    for (TopicConfig topic : topics.byName().values()) {
      if (topic.messageType() == MessageType.DELAY) {
        for (int q = 0; q < topic.queueCount(); q++) {
          if (queueEntityIds.test(topic.queueEntityId(q))) {
            timer(topic.queueEntityId(q)).tell(DelayTimer.Wake.INSTANCE);
          }
        }
      }
    }
  }

  private EntityRef<DelayTimer.Command> timer(String queueEntityId) {
    return ClusterSharding.get(system).entityRefFor(DelayTimer.ENTITY_KEY, queueEntityId);
  }
}
