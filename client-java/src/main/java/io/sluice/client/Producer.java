package io.sluice.client;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Sends messages. Create with {@link SluiceClient#newProducer()}; thread-safe, meant to be shared
 * by all threads of an application.
 *
 * <p>Two paths:
 *
 * <ul>
 *   <li>{@link #sendAsync} is pipelined over one {@code Produce} stream per producer: messages are
 *       batched by size ({@link ProducerSettings#batchSizeBytes()}) and a short linger ({@link
 *       ProducerSettings#linger()}), as Kafka's producer does, and many batches are in flight at
 *       once, bounded by {@link ProducerSettings#maxInFlightBytes()}. It is not retried by the
 *       client; a failure surfaces as a typed exception in the returned stage.
 *   <li>{@link #send(Message)} and {@link #send(List)} use the unary {@code Send} call and wait;
 *       they are retried on {@link Reason#BROKER_BUSY} and {@code UNAVAILABLE} with exponential
 *       backoff, keeping the message ids.
 * </ul>
 */
public interface Producer extends AutoCloseable {
  /**
   * Sends one message and waits until it is stored.
   *
   * @param message the message
   * @return where it was stored
   * @throws SluiceException (a subclass where one fits) if the broker rejected it or no broker
   *     answered within the attempts
   */
  SendReceipt send(Message message);

  /**
   * Sends a batch in one unary call and waits until every message is stored or rejected. Messages
   * rejected with {@link Reason#BROKER_BUSY} are resent (alone) within the retry attempts.
   *
   * @param messages the messages, not empty
   * @return one receipt per message, in order
   * @throws SluiceException the failure of the first rejected message (the others are attached as
   *     suppressed exceptions); messages not rejected were stored
   */
  List<SendReceipt> send(List<Message> messages);

  /**
   * Sends one message through the pipelined stream. Receipts complete in send order per producer.
   *
   * <p>Backpressure: when {@link ProducerSettings#maxInFlightBytes()} are already sent but not yet
   * acknowledged, this method by default does not block but returns a stage failed with a {@link
   * BrokerBusyException}; with {@link ProducerSettings#maxBlock()} above zero it blocks the caller
   * up to that long for space and fails the same way afterwards.
   *
   * <p>The stage fails with {@link BrokerUnavailableException} when the stream fails or no receipt
   * arrives within the request timeout (the next send opens a new stream), and with the typed
   * exception of the per-message status when the broker rejects the message. The stage completes on
   * a client thread: do not block in its callbacks (use the {@code *Async} variants to move work
   * elsewhere).
   *
   * @param message the message
   * @return the receipt, when the message is stored
   */
  CompletionStage<SendReceipt> sendAsync(Message message);

  /** Sends the messages waiting for their linger now. Does not wait for their receipts. */
  void flush();

  /**
   * Stops accepting messages, sends what is batched, and waits (up to the request timeout) for the
   * outstanding receipts; whatever is still unanswered then fails with {@link
   * BrokerUnavailableException}. Idempotent.
   */
  @Override
  void close();
}
