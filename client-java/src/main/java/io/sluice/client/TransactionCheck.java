package io.sluice.client;

import java.time.Instant;

/**
 * A check-back: the broker asks for the outcome of a transaction of the producer group that has
 * neither committed nor rolled back within the broker's check time. One check names one queue
 * holding the transaction's half messages; a transaction spread over several queues is checked
 * once per queue.
 *
 * @param transactionId the id of the {@link Transaction}, as {@link Transaction#id()} gave it
 * @param producerGroup the producer group
 * @param message the transaction's first half message on the checked queue (its {@link
 *     MessageView#topic()} and {@link MessageView#queueId()} name that queue; attempt 0, no receipt
 *     handle)
 * @param checkCount 1 for the first check of this transaction on this queue
 * @param preparedAt when the broker stored the transaction's first half message on this queue
 */
public record TransactionCheck(
    String transactionId,
    String producerGroup,
    MessageView message,
    int checkCount,
    Instant preparedAt) {}
