package io.sluice.gateway.produce;

import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.KnownTopics;
import io.sluice.gateway.Names;
import io.sluice.gateway.transaction.Transactions;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;

/**
 * Checks one produced message against the topic catalog and the size and naming rules. Topics
 * whose names start with {@code %} belong to the broker (dead-letter topics): clients may read
 * them, never send to them ({@code TOPIC_READ_ONLY}).
 */
public final class MessageValidator {
  static final int MAX_TAG_LENGTH = 128;
  static final int MAX_KEY_LENGTH = 128;
  static final int MAX_KEYS = 32;
  static final int MAX_ID_LENGTH = 128;
  static final int MAX_GROUP_LENGTH = 128;
  static final int MAX_PROPERTY_NAME_LENGTH = 128;

  private final TopicCatalog catalog;
  private final long maxMessageSize;
  private final DelayRule delays;

  public MessageValidator(TopicCatalog catalog, long maxMessageSize, DelayRule delays) {
    this.catalog = catalog;
    this.maxMessageSize = maxMessageSize;
    this.delays = delays;
  }

  /**
   * @return the topic the message goes to
   * @throws BrokerException naming the first rule {@code message} breaks
   */
  public TopicConfig check(Message message) {
    // before the lookup: a broker-owned topic is refused alike whether it exists yet or not
    Names.checkNotBrokerOwned(message.getTopic());
    TopicConfig topic = KnownTopics.require(catalog, message.getTopic());
    delays.check(topic, message);
    Transactions.check(topic, message);
    // A NORMAL topic accepts a group too: it only routes (same queue), without ordered delivery.
    if (topic.messageType() == MessageType.FIFO && message.getMessageGroup().isEmpty()) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "topic '" + topic.name() + "' is a FIFO topic: every message needs a message group");
    }
    if (message.getMessageGroup().length() > MAX_GROUP_LENGTH || (!message.getMessageGroup().isEmpty()
        && message.getMessageGroup().isBlank())) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "message group is invalid: at most " + MAX_GROUP_LENGTH + " characters, not blank");
    }
    if (message.getBody().isEmpty()) {
      throw BrokerException.invalid(Reason.MESSAGE_BODY_EMPTY, "message body is empty");
    }
    long size = MessageSize.of(message);
    if (size > maxMessageSize) {
      throw BrokerException.invalid(Reason.MESSAGE_TOO_LARGE, "message is " + size
          + " bytes (body, tag, keys and properties); the limit is " + maxMessageSize);
    }
    String tag = message.getTag();
    if (tag.length() > MAX_TAG_LENGTH || tag.contains("||") || (!tag.isEmpty() && tag.isBlank()) || tag.equals("*")) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "tag '" + tag + "' is invalid: at most " + MAX_TAG_LENGTH + " characters, not '*', no '||'");
    }
    if (message.getKeysCount() > MAX_KEYS) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "message has " + message.getKeysCount() + " keys; the limit is " + MAX_KEYS);
    }
    for (String key : message.getKeysList()) {
      if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
        throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
            "message key '" + key + "' is invalid: 1.." + MAX_KEY_LENGTH + " characters");
      }
    }
    for (String name : message.getPropertiesMap().keySet()) {
      if (name.isBlank() || name.length() > MAX_PROPERTY_NAME_LENGTH) {
        throw BrokerException.invalid(Reason.INVALID_NAME,
            "property name '" + name + "' is invalid: 1.." + MAX_PROPERTY_NAME_LENGTH + " characters, not blank");
      }
    }
    if (message.getMessageId().length() > MAX_ID_LENGTH) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "message id is longer than " + MAX_ID_LENGTH + " characters");
    }
    return topic;
  }
}
