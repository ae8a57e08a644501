package io.sluice.client;

/**
 * Where the broker stored a message. A receipt means the message is durable by the broker's
 * configured flush and replication policy.
 *
 * @param messageId the message id (as assigned by the client)
 * @param topic the topic
 * @param queueId the queue of the topic the message was stored in
 * @param offset the message's offset in that queue (dense, from 0); -1 for a message to a DELAY topic,
 *     which gets its offset when it is due
 */
public record SendReceipt(String messageId, String topic, int queueId, long offset) {}
