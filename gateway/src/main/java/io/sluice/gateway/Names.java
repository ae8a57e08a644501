package io.sluice.gateway;

import io.sluice.protocol.v1.Reason;
import java.util.regex.Pattern;

/** Rules for names the broker accepts (topics, groups), as RocketMQ users know them. */
public final class Names {
  /** Letters, digits, {@code _ - %}; 1..127 characters. {@code |} and {@code /} separate ids inside the broker. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_%-]{1,127}");

  private static final String RESERVED_PREFIX = "%";
  /** 127 minus the length of the dead-letter prefix {@code %DLQ%}. */
  static final int MAX_CONSUMER_GROUP_LENGTH = 122;

  private Names() {}

  /** @throws BrokerException INVALID_NAME naming {@code what} and the rule */
  public static String check(String what, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw BrokerException.invalid(Reason.INVALID_NAME,
          what + " name '" + name + "' is invalid: use 1..127 of letters, digits, '_', '-', '%'");
    }
    return name;
  }

  /**
   * A consumer group a client names: a valid name that leaves room for the group's dead-letter
   * topic {@code %DLQ%<group>}, and not starting with {@code %}, which marks the broker's own groups
   * (such as the dead-letter redrive bookkeeping).
   *
   * @throws BrokerException INVALID_NAME
   */
  public static String checkConsumerGroup(String group) {
    check("consumer group", group);
    if (group.startsWith(RESERVED_PREFIX) || group.length() > MAX_CONSUMER_GROUP_LENGTH) {
      throw BrokerException.invalid(Reason.INVALID_NAME, "consumer group name '" + group + "' is invalid: at most "
          + MAX_CONSUMER_GROUP_LENGTH + " characters, and names starting with '%' are reserved for the broker");
    }
    return group;
  }

  /**
   * A topic a client sends to, changes or deletes: not one of the broker's own topics ({@code
   * %DLQ%<group>}), which clients may only read.
   *
   * @throws BrokerException TOPIC_READ_ONLY
   */
  public static String checkNotBrokerOwned(String topic) {
    if (topic.startsWith(RESERVED_PREFIX)) {
      throw BrokerException.topicReadOnly(topic);
    }
    return topic;
  }

  /**
   * A topic an operator creates: a valid name not starting with {@code %}, which marks the
   * broker's own topics ({@code %DLQ%<group>}; those can be read and described, not created).
   *
   * @throws BrokerException INVALID_NAME
   */
  public static String checkNewTopic(String topic) {
    check("topic", topic);
    if (topic.startsWith(RESERVED_PREFIX)) {
      throw BrokerException.invalid(Reason.INVALID_NAME,
          "topic name '" + topic + "' is reserved: names starting with '%' are the broker's own topics");
    }
    return topic;
  }
}
