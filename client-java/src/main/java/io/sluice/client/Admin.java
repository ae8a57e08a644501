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
}
