package io.sluice.client;

/**
 * Processes the messages of a {@link PushConsumer}. Called on the consumer's consumption threads,
 * concurrently for different messages; must be thread-safe.
 */
@FunctionalInterface
public interface MessageListener {
  /**
   * Processes one message. An exception counts as {@link ConsumeResult#RETRY}.
   *
   * @param message the delivered message
   * @return {@link ConsumeResult#SUCCESS} to ack, {@link ConsumeResult#RETRY} to nack
   */
  ConsumeResult consume(MessageView message);
}
