package io.sluice.gateway.produce;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The delivery-time rules: a message to a DELAY topic names its delivery time, at most {@code
 * maxDelay} ahead (a time in the past delivers at once); other topics refuse one, since ignoring it
 * would deliver at once what the producer meant to delay.
 *
 * <p>Thread-safety: any thread.
 */
public final class DelayRule {
  private final long maxDelayMs;
  private final LongSupplier clockMs;

  public DelayRule(Duration maxDelay, LongSupplier clockMs) {
    this.maxDelayMs = maxDelay.toMillis();
    this.clockMs = clockMs;
  }

  /** @throws BrokerException if {@code message}'s delivery time does not suit {@code topic} */
  public void check(TopicConfig topic, Message message) {
    long deliverAtMs = message.getDeliverAtMs();
    if (topic.messageType() != MessageType.DELAY) {
      if (deliverAtMs != 0) {
        throw BrokerException.invalid(Reason.MESSAGE_TYPE_MISMATCH, "topic '" + topic.name() + "' is a "
            + topic.messageType() + " topic: only messages to a DELAY topic take a delivery time");
      }
      return;
    }
    if (deliverAtMs <= 0) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "topic '" + topic.name() + "' is a DELAY topic: every message needs a delivery time (deliver_at_ms)");
    }
    long latestMs = clockMs.getAsLong() + maxDelayMs;
    if (deliverAtMs > latestMs) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "delivery time " + deliverAtMs + " ms is more than "
          + Duration.ofMillis(maxDelayMs) + " ahead (the broker's max-delay); latest now: " + latestMs + " ms");
    }
  }
}
