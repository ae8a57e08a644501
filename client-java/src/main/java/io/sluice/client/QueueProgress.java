package io.sluice.client;

/**
 * A consumer group's progress on one queue of a topic.
 *
 * @param queueId the queue
 * @param endOffset the offset after the queue's last message
 * @param ackWatermark every message below this offset is acked
 * @param readCursor the next offset to deliver for the first time
 * @param inFlight deliveries not yet acked
 * @param lag {@code endOffset - ackWatermark}
 */
public record QueueProgress(
    int queueId, long endOffset, long ackWatermark, long readCursor, int inFlight, long lag) {}
