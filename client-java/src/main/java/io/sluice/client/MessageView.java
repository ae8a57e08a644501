package io.sluice.client;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * A delivered message as a consumer sees it: the producer's fields, the broker's fields (id, queue,
 * offset, store time) and the delivery's receipt handle and attempt. Views are created by the
 * client only; pass them back to {@link SimpleConsumer#ack} and {@link
 * SimpleConsumer#changeInvisibleDuration}. A message found by an {@link Admin} query is not a
 * delivery: its {@link #attempt()} is 0, its {@link #receiptHandle()} empty and its {@link
 * #invisibleUntilMs()} 0. Safe to read from any thread.
 */
public interface MessageView {
  /**
   * The unique id assigned by the producer's client.
   *
   * @return the message id
   */
  String messageId();

  /**
   * The topic.
   *
   * @return the topic
   */
  String topic();

  /**
   * The queue the message is stored in.
   *
   * @return the queue id
   */
  int queueId();

  /**
   * The message's offset in its queue.
   *
   * @return the offset
   */
  long offset();

  /**
   * The tag.
   *
   * @return the tag, empty when none
   */
  String tag();

  /**
   * The business keys.
   *
   * @return an unmodifiable list
   */
  List<String> keys();

  /**
   * The message group (FIFO topics).
   *
   * @return the group, empty when none
   */
  String messageGroup();

  /**
   * User properties.
   *
   * @return an unmodifiable map
   */
  Map<String, String> properties();

  /**
   * The payload as a read-only buffer positioned at its start (a new view on every call).
   *
   * @return the body
   */
  ByteBuffer body();

  /**
   * A copy of the payload.
   *
   * @return the body bytes
   */
  byte[] bodyBytes();

  /**
   * How often this message was delivered to the group: 1 the first time.
   *
   * @return the delivery attempt
   */
  int attempt();

  /**
   * When the producer built the message, epoch milliseconds.
   *
   * @return the born timestamp in ms
   */
  long bornTimestampMs();

  /**
   * When the broker stored the message, epoch milliseconds.
   *
   * @return the store timestamp in ms
   */
  long storeTimestampMs();

  /**
   * The delivery time of a message from a DELAY topic, epoch milliseconds; 0 for other messages.
   *
   * @return the time the message was due
   */
  long deliveryTimestampMs();

  /**
   * The current receipt handle of this delivery (it changes when the invisibility is changed or
   * renewed).
   *
   * @return the receipt handle
   */
  String receiptHandle();

  /**
   * When the message becomes visible to the group again unless acked, epoch milliseconds, as the
   * broker last reported it.
   *
   * @return the invisibility deadline in ms
   */
  long invisibleUntilMs();
}
