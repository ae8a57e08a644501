package io.sluice.client;

/**
 * Consumes a topic continuously over one {@code Consume} stream and hands every message to a {@link
 * MessageListener} on a pool of consumption threads. Create with {@link
 * SluiceClient#newPushConsumer}; it starts at once.
 *
 * <p>Flow control: the consumer grants the broker credit so that delivered-but-unfinished messages
 * plus unused credit never exceed {@link PushConsumerSettings#maxCachedMessages()}. Outcome: {@link
 * ConsumeResult#SUCCESS} acks, {@link ConsumeResult#RETRY} or an exception nacks (the broker
 * redelivers after its backoff). While a message is held longer than half of {@link
 * PushConsumerSettings#invisibleDuration()}, its invisibility is renewed. When the stream fails,
 * the consumer reconnects with exponential backoff (failing over to the next endpoint on {@code
 * UNAVAILABLE}); delivery is at-least-once, so listeners should tolerate duplicates (the message id
 * identifies them).
 *
 * <p>Orderly mode ({@link PushConsumerSettings.Builder#orderly}, for FIFO topics): the listener
 * gets the messages of one message group one at a time, in delivery order; different groups run in
 * parallel. The broker delivers a group's next message only after the previous one is acked, so
 * a {@code RETRY} holds the group back until the redelivery succeeds.
 */
public interface PushConsumer extends AutoCloseable {
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
   * Stops taking new messages (those received but not started are nacked), waits up to {@link
   * PushConsumerSettings#shutdownTimeout()} for running listeners, sends their acks, then closes
   * the stream. Idempotent; blocks the caller.
   */
  @Override
  void close();
}
