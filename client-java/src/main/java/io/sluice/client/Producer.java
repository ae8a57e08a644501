package io.sluice.client;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Sends messages. Create with {@link SluiceClient#newProducer()}; thread-safe, meant to be shared
 * by all threads of an application.
 *
 * <p>Both ways of sending go over one {@code Produce} stream per producer, through one
 * accumulator, as Kafka's producer does: messages are batched by size ({@link
 * ProducerSettings#batchSizeBytes()}), at most {@link ProducerSettings#maxInFlightRequests()}
 * batches are sent and unanswered at once, and while that many are, new messages gather into the
 * next batch, which leaves when one is answered.
 *
 * <ul>
 *   <li>{@link #sendAsync} is pipelined: its messages also wait up to a short linger ({@link
 *       ProducerSettings#linger()}) for more, and the bytes not yet acknowledged are bounded by
 *       {@link ProducerSettings#maxInFlightBytes()}. It is not retried by the client; a failure
 *       surfaces as a typed exception in the returned stage.
 *   <li>{@link #send(Message)} and {@link #send(List)} wait for the receipts. Their messages never
 *       linger: they leave at once when the stream has room, else with the next batch (taking any
 *       lingering pipelined messages along). They are retried on {@link Reason#BROKER_BUSY}, {@link
 *       Reason#SEND_OUTCOME_UNKNOWN} and {@code UNAVAILABLE} (including a failed stream; the retry goes on a new one) with
 *       exponential backoff, keeping the message ids. Each attempt waits at most the request
 *       timeout.
 * </ul>
 */
public interface Producer extends AutoCloseable {
  /**
   * Sends one message and waits until it is stored.
   *
   * @param message the message
   * @return where it was stored
   * @throws SluiceException (a subclass where one fits) if the broker rejected it, no broker
   *     answered within the attempts, or an attempt got no receipt within the request timeout
   *     ({@link BrokerUnavailableException} with status {@code DEADLINE_EXCEEDED}, not retried: the
   *     message may have been stored)
   * @throws IllegalStateException if the producer is closed
   */
  SendReceipt send(Message message);

  /**
   * Sends messages together (in one request when they fit in a batch) and waits until every one is
   * stored or rejected. Only the messages rejected with {@link Reason#BROKER_BUSY}, answered {@link
   * Reason#SEND_OUTCOME_UNKNOWN} (the broker stores a resent id once) or lost with a
   * failed stream are resent, within the retry attempts.
   *
   * @param messages the messages, not empty
   * @return one receipt per message, in order
   * @throws SluiceException the failure of the first rejected message, of the same type (the
   *     others are attached as suppressed exceptions); messages not rejected were stored
   * @throws IllegalStateException if the producer is closed
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

  /**
   * Hands the messages waiting for their linger to the stream now (they still wait there while
   * {@link ProducerSettings#maxInFlightRequests()} batches are unanswered). Does not wait for their
   * receipts.
   */
  void flush();

  /**
   * Stops accepting messages, sends what is batched, and waits (up to the request timeout) for the
   * outstanding receipts; whatever is still unanswered then fails with {@link
   * BrokerUnavailableException}. Idempotent.
   */
  @Override
  void close();
}
