package io.sluice.gateway.consume;

import io.sluice.actors.consume.GroupQueue;
import io.sluice.actors.consume.MessageFilter;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.GatewaySettings;
import io.sluice.gateway.KnownTopics;
import io.sluice.gateway.Names;
import io.sluice.protocol.v1.ConsumptionMode;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;

/**
 * A checked request to consume: whose position, topic, filter and invisible time.
 *
 * @param group the consumption state's name: the consumer group, or for a broadcasting member
 *     its own position ({@link GroupQueue#memberState})
 * @param filter a valid tag or SQL92 expression
 */
public record Subscription(String group, TopicConfig topic, FilterExpression filter, long invisibleMs) {

  /** A clustering subscription. @throws BrokerException naming the first invalid part */
  public static Subscription check(
      TopicCatalog catalog, String group, String topicName, FilterExpression filter, long invisibleMs) {
    return check(catalog, group, ConsumptionMode.CLUSTERING, "", topicName, filter, invisibleMs);
  }

  /** @throws BrokerException naming the first invalid part */
  public static Subscription check(TopicCatalog catalog, String group, ConsumptionMode mode, String clientId,
      String topicName, FilterExpression filter, long invisibleMs) {
    String state = stateGroup(group, mode, clientId);
    TopicConfig topic = KnownTopics.require(catalog, topicName);
    checkInvisible(invisibleMs);
    return new Subscription(state, topic, checkFilter(filter), invisibleMs);
  }

  /** The name of the consumption state a group member reads and acks: see {@link Subscription#group()}. */
  public static String stateGroup(String group, ConsumptionMode mode, String clientId) {
    Names.checkConsumerGroup(group);
    return switch (mode) {
      case CLUSTERING -> group;
      case BROADCASTING -> GroupQueue.memberState(group, Names.check("client id", clientId));
      default -> throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "unknown consumption mode " + mode);
    };
  }

  /** Whether deliveries keep message-group order: the topic is FIFO. */
  public boolean ordered() {
    return topic.messageType() == MessageType.FIFO;
  }

  public static void checkInvisible(long invisibleMs) {
    if (invisibleMs < GatewaySettings.MIN_INVISIBLE.toMillis() || invisibleMs > GatewaySettings.MAX_INVISIBLE.toMillis()) {
      throw BrokerException.invalid(Reason.INVALID_INVISIBLE_DURATION,
          "invisible duration " + invisibleMs + " ms is outside " + GatewaySettings.MIN_INVISIBLE.toMillis()
              + " .. " + GatewaySettings.MAX_INVISIBLE.toMillis() + " ms");
    }
  }

  /** The filter, checked; an empty tag expression means every message. */
  private static FilterExpression checkFilter(FilterExpression filter) {
    try {
      MessageFilter.parse(filter);
    } catch (IllegalArgumentException e) {
      throw BrokerException.invalid(Reason.INVALID_FILTER, filter.getType() + " filter '" + filter.getExpression()
          + "': " + e.getMessage());
    }
    return filter;
  }
}
