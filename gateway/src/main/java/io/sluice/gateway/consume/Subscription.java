package io.sluice.gateway.consume;

import io.sluice.actors.consume.MessageFilter;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.GatewaySettings;
import io.sluice.gateway.KnownTopics;
import io.sluice.gateway.Names;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Reason;

/**
 * A checked request to consume: group, topic, filter and invisible time.
 *
 * @param filter a valid tag or SQL92 expression
 */
public record Subscription(String group, TopicConfig topic, FilterExpression filter, long invisibleMs) {

  /** @throws BrokerException naming the first invalid part */
  public static Subscription check(
      TopicCatalog catalog, String group, String topicName, FilterExpression filter, long invisibleMs) {
    Names.check("consumer group", group);
    TopicConfig topic = KnownTopics.require(catalog, topicName);
    checkInvisible(invisibleMs);
    return new Subscription(group, topic, checkFilter(filter), invisibleMs);
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
