package io.sluice.client;

import java.time.Instant;

/**
 * A message of a consumer group's dead-letter queue: it failed every attempt of the group's
 * {@link RetryPolicy}.
 *
 * @param message the message as consumed (id, body, tag, keys, properties, plus {@code sluice.dlq.*}
 *     properties); its receipt handle is empty
 * @param originalTopic the topic it was consumed from
 * @param originalQueueId the queue it was consumed from
 * @param originalOffset its offset there
 * @param attempts the deliveries that failed
 * @param deadLetteredAt when it was dead-lettered
 */
public record DeadLetter(MessageView message, String originalTopic, int originalQueueId, long originalOffset,
    int attempts, Instant deadLetteredAt) {}
