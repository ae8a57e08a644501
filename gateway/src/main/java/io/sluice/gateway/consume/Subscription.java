package io.sluice.gateway.consume;

import io.sluice.actors.consume.TagFilter;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.GatewaySettings;
import io.sluice.gateway.KnownTopics;
import io.sluice.gateway.Names;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;

/**
 * A checked request to consume: group, topic, tag expression and invisible time.
 *
 * @param tagExpression a valid tag expression ({@code *} for all)
 */
public record Subscription(String group, TopicConfig topic, String tagExpression, long invisibleMs) {

  /** @throws BrokerException naming the first invalid part */
  public static Subscription check(
      TopicCatalog catalog, String group, String topicName, FilterExpression filter, long invisibleMs) {
    Names.check("consumer group", group);
    TopicConfig topic = KnownTopics.require(catalog, topicName);
    checkInvisible(invisibleMs);
    return new Subscription(group, topic, tagExpression(filter), invisibleMs);
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

  private static String tagExpression(FilterExpression filter) {
    if (filter.getType() != FilterExpression.Type.TAG) {
      throw BrokerException.invalid(Reason.INVALID_FILTER,
          "filter type " + filter.getType() + " is not supported yet; use a TAG expression");
    }
    try {
      TagFilter.parse(filter.getExpression());
    } catch (IllegalArgumentException e) {
      throw BrokerException.invalid(Reason.INVALID_FILTER, e.getMessage());
    }
    String expression = filter.getExpression().trim();
    return expression.isEmpty() ? "*" : expression;
  }
}
