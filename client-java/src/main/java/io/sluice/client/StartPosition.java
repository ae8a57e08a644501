package io.sluice.client;

/**
 * Where a consumer's position starts when it does not exist yet: a new consumer group, or a new
 * member of a broadcasting group. An existing position is never moved by it (use {@link
 * Admin#resetConsumerGroupOffset} for that).
 */
public enum StartPosition {
  /** {@link #EARLIEST} for a clustering group, {@link #LATEST} for a broadcasting member. */
  DEFAULT,
  /** The oldest message each queue still holds. */
  EARLIEST,
  /** After the newest message of each queue when the consumer subscribes. */
  LATEST
}
