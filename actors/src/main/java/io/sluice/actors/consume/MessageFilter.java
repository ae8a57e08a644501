package io.sluice.actors.consume;

import io.sluice.actors.consume.sql.SqlFilter;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Message;

/** Decides on the broker which messages of a queue a subscription receives. */
@FunctionalInterface
public interface MessageFilter {
  /** In SQL92 expressions, the message's tag (as in RocketMQ); a user property of that name is hidden. */
  String TAGS_PROPERTY = "TAGS";

  boolean matches(Message message);

  /**
   * Parses a subscription's filter.
   *
   * @throws IllegalArgumentException naming the position of the error in a malformed expression
   */
  static MessageFilter parse(FilterExpression filter) {
    return switch (filter.getType()) {
      case TAG -> TagFilter.parse(filter.getExpression());
      case SQL92 -> {
        SqlFilter sql = SqlFilter.parse(filter.getExpression());
        yield message -> sql.matches(name -> TAGS_PROPERTY.equals(name)
            ? (message.getTag().isEmpty() ? null : message.getTag())
            : message.getPropertiesMap().get(name));
      }
      default -> throw new IllegalArgumentException("unknown filter type " + filter.getTypeValue());
    };
  }
}
