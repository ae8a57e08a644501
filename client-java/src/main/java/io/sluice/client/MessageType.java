package io.sluice.client;

/** The message type of a topic, enforced by the broker as RocketMQ 5 does. */
public enum MessageType {
  /** Plain messages. */
  NORMAL,
  /** Ordered messages: each message group is delivered in order. */
  FIFO,
  /** Messages with a delivery time. */
  DELAY,
  /** Transactional (half) messages. */
  TRANSACTION
}
