package io.sluice.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.internal.Protos;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageTest {
  @Test
  void buildCopiesTheBodyAndAssignsAnId() {
    byte[] body = {1, 2, 3};
    Message.Builder b = Message.builder().topic("t").body(body).keys("k1", "k2").property("p", "v");
    Message m = b.build();
    body[0] = 9;
    byte[] read = new byte[3];
    m.body().get(read);
    assertArrayEquals(new byte[] {1, 2, 3}, read);
    assertTrue(m.body().isReadOnly());
    assertEquals(32, m.messageId().length());
    assertEquals(List.of("k1", "k2"), m.keys());
    assertEquals(Map.of("p", "v"), m.properties());
    assertNotEquals(m.messageId(), b.build().messageId(), "each build is a new message");
  }

  @Test
  void byteBufferBodyIsCopiedWithoutMovingTheSource() {
    ByteBuffer src = ByteBuffer.wrap(new byte[] {0, 1, 2, 3});
    src.position(1);
    Message m = Message.builder().topic("t").body(src).build();
    assertEquals(1, src.position());
    assertEquals(3, m.bodySizeBytes());
  }

  @Test
  void emptyBodyOrMissingTopicIsRejected() {
    InvalidArgumentException empty =
        assertThrows(
            InvalidArgumentException.class,
            () -> Message.builder().topic("t").body(new byte[0]).build());
    assertEquals(Reason.MESSAGE_BODY_EMPTY, empty.reason());
    InvalidArgumentException noTopic =
        assertThrows(
            InvalidArgumentException.class, () -> Message.builder().body(new byte[1]).build());
    assertEquals(Reason.INVALID_NAME, noTopic.reason());
  }

  @Test
  void anExplicitIdIsKept() {
    Message m =
        Message.builder()
            .topic("t")
            .body(new byte[1])
            .messageId("0123456789ab0000000000000000000f")
            .build();
    assertEquals("0123456789ab0000000000000000000f", m.messageId());
    assertEquals(0x0123456789abL, m.bornTimestampMs());
  }

  @Test
  void deliveryTimeTravelsAsEpochMillisAndOnlyWhenSet() {
    Instant at = Instant.parse("2026-11-26T06:00:00.123456Z");
    Message delayed = Message.builder().topic("t").body(new byte[] {1}).deliveryTimestamp(at).build();
    assertEquals(at.toEpochMilli(), Protos.toProto(delayed).getDeliverAtMs());

    long before = System.currentTimeMillis();
    Message later =
        Message.builder().topic("t").body(new byte[] {1}).deliverAfter(Duration.ofMinutes(5)).build();
    long dueMs = Protos.toProto(later).getDeliverAtMs();
    assertTrue(dueMs >= before + 300_000 && dueMs <= System.currentTimeMillis() + 300_000, "due " + dueMs);

    Message now = Message.builder().topic("t").body(new byte[] {1}).build();
    assertEquals(0, Protos.toProto(now).getDeliverAtMs());
  }
}
