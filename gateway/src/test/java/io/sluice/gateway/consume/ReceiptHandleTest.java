package io.sluice.gateway.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ReceiptHandleTest {
  private static final TopicConfig TOPIC = new TopicConfig("t", 4, MessageType.NORMAL, 0);

  @Test
  void roundTrips() {
    ReceiptHandle handle = new ReceiptHandle(3, 123_456_789_012L, 0x7abc_def0_1234_5678L);
    assertEquals(handle, ReceiptHandle.decode(handle.encode(), TOPIC));
  }

  @Test
  void refusesMalformedHandles() {
    String queueOutOfRange = new ReceiptHandle(4, 1, 1).encode();
    String zeroNonce = new ReceiptHandle(0, 1, 0).encode();
    String wrongVersion = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[21]);
    for (String bad : new String[] {"", "not base64!", "AAAA", queueOutOfRange, zeroNonce, wrongVersion}) {
      BrokerException e = assertThrows(BrokerException.class, () -> ReceiptHandle.decode(bad, TOPIC), bad);
      assertEquals(Reason.INVALID_RECEIPT, e.reason());
    }
  }
}
