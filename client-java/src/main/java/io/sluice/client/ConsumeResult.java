package io.sluice.client;

/** What a {@link MessageListener} did with a message. */
public enum ConsumeResult {
  /** Processed: the push consumer acks the message. */
  SUCCESS,
  /** Not processed: the push consumer nacks it and the broker redelivers it after its backoff. */
  RETRY
}
