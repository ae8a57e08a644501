package io.sluice.client;

import java.time.Instant;
import java.util.List;

/**
 * Topic and consumer-group administration over the {@code AdminService}. Obtain with {@link
 * SluiceClient#admin()}; thread-safe. Every call waits for the broker and is retried on {@code
 * UNAVAILABLE} and {@link Reason#BROKER_BUSY}; failures are thrown as {@link SluiceException}
 * subclasses.
 */
public interface Admin {
  /**
   * Creates a topic with the broker's default retention.
   *
   * @param name the topic name
   * @param queueCount the number of queues (0 for the broker default, 8)
   * @param messageType the message type
   * @return the topic as the broker stored it
   * @throws TopicExistsException if it exists
   * @throws InvalidArgumentException if the name or counts are invalid
   */
  TopicInfo createTopic(String name, int queueCount, MessageType messageType);

  /**
   * Creates a topic with all its settings.
   *
   * @param topic the settings
   * @return the topic as the broker stored it
   * @throws TopicExistsException if it exists
   * @throws InvalidArgumentException if the name or counts are invalid
   */
  TopicInfo createTopic(TopicInfo topic);

  /**
   * Changes a topic's queue count (only upwards) or retention; the name selects the topic and the
   * message type cannot change.
   *
   * @param topic the new settings
   * @return the topic as the broker stored it
   * @throws TopicNotFoundException if it does not exist
   */
  TopicInfo updateTopic(TopicInfo topic);

  /**
   * Deletes a topic; its messages become unreachable and are removed by retention.
   *
   * @param name the topic name
   * @throws TopicNotFoundException if it does not exist
   */
  void deleteTopic(String name);

  /**
   * Describes one topic.
   *
   * @param name the topic name
   * @return its settings
   * @throws TopicNotFoundException if it does not exist
   */
  TopicInfo describeTopic(String name);

  /**
   * Lists every topic.
   *
   * @return the topics, by name
   */
  List<TopicInfo> listTopics();

  /**
   * Describes a consumer group's per-queue progress on a topic.
   *
   * @param group the consumer group
   * @param topic the topic
   * @return the progress
   * @throws TopicNotFoundException if the topic does not exist
   * @throws SluiceException with {@link Reason#GROUP_NOT_FOUND} if the group is unknown
   */
  ConsumerGroupInfo describeConsumerGroup(String group, String topic);

  /**
   * Moves a consumer group's position on every queue of a topic (see {@link OffsetReset}).
   *
   * @param group the consumer group
   * @param topic the topic
   * @param position where to move it
   * @return the group's progress after the move
   * @throws TopicNotFoundException if the topic does not exist
   * @throws InvalidArgumentException for an invalid group name or a negative time
   */
  ConsumerGroupInfo resetConsumerGroupOffset(String group, String topic, OffsetReset position);

  /**
   * Looks up stored messages of a topic by message id (more than one if it was stored twice).
   *
   * @param topic the topic
   * @param messageId the message id
   * @return the messages, newest first; empty if none
   * @throws TopicNotFoundException if the topic does not exist
   */
  List<MessageView> queryMessagesById(String topic, String messageId);

  /**
   * Looks up stored messages of a topic by one of their keys.
   *
   * @param topic the topic
   * @param key the key
   * @param maxMessages most messages to return, 1 .. 1000
   * @return the messages, newest first
   * @throws TopicNotFoundException if the topic does not exist
   */
  List<MessageView> queryMessagesByKey(String topic, String key, int maxMessages);

  /**
   * Looks up stored messages of a topic by store time.
   *
   * @param topic the topic
   * @param from start of the range, inclusive
   * @param to end of the range, inclusive
   * @param maxMessages most messages to return, 1 .. 1000
   * @return the messages, oldest first
   * @throws TopicNotFoundException if the topic does not exist
   */
  List<MessageView> queryMessagesByStoreTime(String topic, Instant from, Instant to, int maxMessages);

  /**
   * Sets a consumer group's retry policy; the broker stores it and every member follows it.
   *
   * @param group the consumer group
   * @param policy the policy ({@code RetryPolicy.builder().build()} restores the default)
   * @return the policy as the broker stored it, defaults filled in
   * @throws InvalidArgumentException if the policy or group name is invalid
   */
  RetryPolicy setRetryPolicy(String group, RetryPolicy policy);

  /**
   * A consumer group's retry policy.
   *
   * @param group the consumer group
   * @return its policy, the default if none was set
   */
  RetryPolicy retryPolicy(String group);

  /**
   * A page of a consumer group's dead letters not yet redriven.
   *
   * @param group the consumer group
   * @param pageSize at most this many, 1 .. 1000
   * @param newestFirst newest first instead of oldest first
   * @param pageToken the previous page's {@link DeadLetterPage#nextPageToken()}, or null for the first
   * @return the page
   * @throws InvalidArgumentException if the page size or token is invalid
   */
  DeadLetterPage listDeadLetters(String group, int pageSize, boolean newestFirst, String pageToken);

  /**
   * Sends dead letters back to their original topics (same queue where it still exists), where they
   * are consumed as new messages from attempt 1; they are no longer listed. A broker crash during
   * the call may redrive a message twice.
   *
   * @param group the consumer group
   * @param messageIds the message ids to redrive; none means every dead letter of the group
   * @return how many were redriven
   * @throws InvalidArgumentException if an id is not a dead letter of the group
   * @throws TopicNotFoundException if an original topic no longer exists
   */
  int redriveDeadLetters(String group, java.util.Collection<String> messageIds);

  /**
   * Cancels a message sent to a DELAY topic before it is due: no consumer ever receives it.
   *
   * @param topic the DELAY topic the message was sent to
   * @param messageId the message id, as in its {@link SendReceipt}
   * @throws MessageNotPendingException if the message was delivered
   *     (or is being delivered) or cancelled already (status FAILED_PRECONDITION), or the topic
   *     never scheduled it (status NOT_FOUND)
   * @throws InvalidArgumentException if the topic is not a DELAY topic
   * @throws TopicNotFoundException if the topic does not exist
   */
  void cancelDelayedMessage(String topic, String messageId);

  /**
   * Lists the transactions of a producer group that wait for COMMIT or ROLLBACK, one entry per
   * transaction and queue, oldest first.
   *
   * @param producerGroup the producer group
   * @return the open transactions with their age and check count
   * @throws InvalidArgumentException if the group name is invalid
   */
  List<TransactionInfo> listOpenTransactions(String producerGroup);

  /**
   * Lists the transactions of a producer group that the broker resolved with its configured
   * outcome after the maximum number of unanswered check-backs, one entry per transaction and
   * queue, oldest first.
   *
   * @param producerGroup the producer group
   * @return the transactions resolved by the maximum-checks rule
   * @throws InvalidArgumentException if the group name is invalid
   */
  List<ResolvedTransaction> listTransactionsResolvedByMaxChecks(String producerGroup);
}
