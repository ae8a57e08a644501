package io.sluice.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.actors.consume.DeadLetters;
import io.sluice.protocol.v1.Reason;
import org.junit.jupiter.api.Test;

class NamesTest {
  @Test
  void acceptsRocketMqStyleNames() {
    assertEquals("order-events_2", Names.check("topic", "order-events_2"));
    assertEquals("%DLQ%billing", Names.check("topic", "%DLQ%billing"));
  }

  @Test
  void refusesSeparatorsBlanksAndOverlongNames() {
    for (String bad : new String[] {"", "a/b", "a|b", "a b", "x".repeat(128)}) {
      assertEquals(Reason.INVALID_NAME, assertThrows(BrokerException.class, () -> Names.check("topic", bad)).reason());
    }
  }

  @Test
  void aConsumerGroupLeavesRoomForItsDeadLetterTopic() {
    String longest = "g".repeat(Names.MAX_CONSUMER_GROUP_LENGTH);
    assertEquals(longest, Names.checkConsumerGroup(longest));
    Names.check("topic", DeadLetters.topicOf(longest));
    assertEquals(Reason.INVALID_NAME,
        assertThrows(BrokerException.class, () -> Names.checkConsumerGroup(longest + "g")).reason());
  }

  @Test
  void namesStartingWithPercentAreTheBrokers() {
    BrokerException group = assertThrows(BrokerException.class, () -> Names.checkConsumerGroup(DeadLetters.REDRIVEN_GROUP));
    assertEquals(Reason.INVALID_NAME, group.reason());
    BrokerException topic = assertThrows(BrokerException.class, () -> Names.checkNewTopic("%DLQ%billing"));
    assertEquals(Reason.INVALID_NAME, topic.reason());
    assertEquals("billing", Names.checkNewTopic("billing"));
  }
}
