package io.sluice.client;

import java.time.Duration;
import java.util.List;

/**
 * Receives messages on demand and acks them one by one (RocketMQ 5's simple consumer, SQS style). A
 * received message stays invisible to the group for the requested duration; unless acked in time it
 * is delivered again as soon as that duration passes (as the next attempt; no retry backoff is
 * added, see {@link RetryPolicy}). Create with {@link SluiceClient#newSimpleConsumer}; thread-safe.
 */
public interface SimpleConsumer extends AutoCloseable {
  /**
   * The consumer group.
   *
   * @return the group
   */
  String group();

  /**
   * The subscribed topic.
   *
   * @return the topic
   */
  String topic();

  /**
   * Long-polls for messages: waits up to {@link SimpleConsumerSettings#awaitDuration()} for at
   * least one.
   *
   * @param maxMessages most messages to return, 1 .. 1024
   * @param invisibleDuration how long the returned messages stay invisible, 1 s .. 12 h
   * @return the messages, possibly none
   * @throws SluiceException if the broker rejected the request or was unreachable
   */
  List<MessageView> receive(int maxMessages, Duration invisibleDuration);

  /**
   * Acknowledges a received message, with its current receipt handle.
   *
   * @param message a view returned by {@link #receive}
   * @throws InvalidReceiptException if the delivery expired, was acked or redelivered
   * @throws SluiceException for other failures
   */
  void ack(MessageView message);

  /**
   * Sets how long a received message stays invisible, from now; the view's receipt handle is
   * replaced by the new one the broker returns.
   *
   * @param message a view returned by {@link #receive}
   * @param invisibleDuration the new duration, 1 s .. 12 h
   * @throws InvalidReceiptException if the delivery expired, was acked or redelivered
   * @throws SluiceException for other failures
   */
  void changeInvisibleDuration(MessageView message, Duration invisibleDuration);

  /** Releases nothing yet (a simple consumer holds no stream); further calls fail. */
  @Override
  void close();
}
