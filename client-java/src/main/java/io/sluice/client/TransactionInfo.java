package io.sluice.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A transaction on one queue, as the broker's admin listings show it ({@link
 * Admin#listOpenTransactions}, and inside {@link ResolvedTransaction}).
 *
 * @param transactionId the transaction id
 * @param producerGroup the producer group
 * @param topic the topic of the queue holding these half messages
 * @param queueId the queue
 * @param messageIds the half messages on that queue (unmodifiable)
 * @param preparedAt when the first of them was stored
 * @param checkCount the check-backs sent so far
 */
public record TransactionInfo(
    String transactionId,
    String producerGroup,
    String topic,
    int queueId,
    List<String> messageIds,
    Instant preparedAt,
    int checkCount) {

  /**
   * Copies the list.
   *
   * @param transactionId the transaction id
   * @param producerGroup the producer group
   * @param topic the topic
   * @param queueId the queue
   * @param messageIds the half messages
   * @param preparedAt when the first was stored
   * @param checkCount the check-backs so far
   */
  public TransactionInfo {
    messageIds = List.copyOf(messageIds);
  }

  /**
   * How long the transaction has been (or was) open on this queue.
   *
   * @param now the current time
   * @return the time since {@link #preparedAt()}, never negative
   */
  public Duration age(Instant now) {
    Duration age = Duration.between(preparedAt, now);
    return age.isNegative() ? Duration.ZERO : age;
  }
}
