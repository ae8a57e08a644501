package io.sluice.gateway.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import java.nio.ByteBuffer;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ReceiptHandleTest {
  private static final TopicConfig TOPIC = new TopicConfig("t", 4, MessageType.NORMAL, 0);

  @Test
  void roundTripsWithItsEpoch() {
    ReceiptHandle handle = new ReceiptHandle(3, 7, 123_456_789_012L, 0x7abc_def0_1234_5678L);
    assertEquals(handle, ReceiptHandle.decode(handle.encode(), TOPIC));
    assertEquals(1 + 4 + 8 + 8 + 8, Base64.getUrlDecoder().decode(handle.encode()).length);
    assertEquals(handle.withNonce(99), ReceiptHandle.decode(handle.withNonce(99).encode(), TOPIC));
    assertEquals(7, handle.withNonce(99).epoch(), "a renewed handle keeps the epoch of its delivery");
  }

  @Test
  void aVersionOneHandleOfBeforeEpochsDecodesWithAnUnknownEpochAndStaysVersionOne() {
    String v1 = Base64.getUrlEncoder().withoutPadding().encodeToString(
        ByteBuffer.allocate(21).put((byte) 1).putInt(2).putLong(42).putLong(1234).array());
    ReceiptHandle decoded = ReceiptHandle.decode(v1, TOPIC);
    assertEquals(new ReceiptHandle(2, ReceiptHandle.UNKNOWN_EPOCH, 42, 1234), decoded);
    assertEquals(v1, decoded.encode());
  }

  @Test
  void refusesMalformedHandles() {
    String queueOutOfRange = new ReceiptHandle(4, 0, 1, 1).encode();
    String zeroNonce = new ReceiptHandle(0, 0, 1, 0).encode();
    String negativeEpoch = Base64.getUrlEncoder().withoutPadding().encodeToString(
        ByteBuffer.allocate(29).put((byte) 2).putInt(0).putLong(-2).putLong(1).putLong(1).array());
    String wrongVersion = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[21]);
    byte[] v2Length = new byte[21];
    v2Length[0] = 2;
    String versionTwoOfVersionOneLength = Base64.getUrlEncoder().withoutPadding().encodeToString(v2Length);
    for (String bad : new String[] {"", "not base64!", "AAAA", queueOutOfRange, zeroNonce, negativeEpoch, wrongVersion,
        versionTwoOfVersionOneLength}) {
      BrokerException e = assertThrows(BrokerException.class, () -> ReceiptHandle.decode(bad, TOPIC), bad);
      assertEquals(Reason.INVALID_RECEIPT, e.reason());
    }
  }
}
