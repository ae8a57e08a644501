package io.sluice.actors.delay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.sluice.protocol.v1.Message;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DelayScheduleTest {
  static Message due(String id, long atMs) {
    return Message.newBuilder().setMessageId(id).setDeliverAtMs(atMs).setBody(ByteString.copyFromUtf8(id)).build();
  }

  static List<String> ids(List<Message> messages) {
    return messages.stream().map(Message::getMessageId).collect(Collectors.toList());
  }

  @Test
  void dueMessagesComeEarliestFirstUpToTheLimitAndStayPendingUntilDelivered() {
    DelaySchedule s = new DelaySchedule();
    s.schedule(due("c", 300));
    s.schedule(due("a", 100));
    s.schedule(due("b", 200));
    s.schedule(due("a2", 100));
    assertEquals(List.of(), ids(s.due(99, 10, Long.MAX_VALUE)));
    assertEquals(List.of("a", "a2", "b"), ids(s.due(200, 10, Long.MAX_VALUE)));
    assertEquals(List.of("a", "a2"), ids(s.due(300, 2, Long.MAX_VALUE)));
    assertEquals(100, s.nextDueMs());

    s.delivered(List.of("a", "a2"), 2);
    assertEquals(List.of("b", "c"), ids(s.due(300, 10, Long.MAX_VALUE)));
    assertEquals(200, s.nextDueMs());
    assertEquals(2, s.confirmedQueueOffset());
    assertEquals(DelaySchedule.Status.DELIVERED, s.status("a"));
  }

  @Test
  void dueMessagesStopAtTheByteBoundButTheFirstAlwaysComes() {
    DelaySchedule s = new DelaySchedule();
    s.schedule(due("a", 200));
    s.schedule(due("b", 300));
    s.schedule(due("c", 400));
    long one = due("a", 200).getSerializedSize(); // each message encodes to this many bytes
    assertEquals(List.of("a", "b"), ids(s.due(400, 10, 2 * one)));
    assertEquals(List.of("a"), ids(s.due(400, 10, 1)));
  }

  @Test
  void cancelledMessagesNeverComeDueAndKnownIdsAreNotScheduledAgain() {
    DelaySchedule s = new DelaySchedule();
    s.schedule(due("a", 100));
    s.schedule(due("b", 200));
    s.cancel("a");
    assertEquals(DelaySchedule.Status.CANCELLED, s.status("a"));
    assertEquals(List.of("b"), ids(s.due(1_000, 10, Long.MAX_VALUE)));

    s.schedule(due("a", 50)); // a producer's retry of a cancelled message
    s.delivered(List.of("b"), 1);
    s.schedule(due("b", 60)); // and of a delivered one
    assertEquals(List.of(), ids(s.due(1_000, 10, Long.MAX_VALUE)));
    assertEquals(Long.MAX_VALUE, s.nextDueMs());
    assertEquals(0, s.pendingCount());
    assertEquals(DelaySchedule.Status.UNKNOWN, s.status("z"));
  }

  @Test
  void confirmedQueueOffsetNeverMovesBack() {
    DelaySchedule s = new DelaySchedule();
    s.delivered(List.of(), 10);
    s.delivered(List.of(), 4);
    assertEquals(10, s.confirmedQueueOffset());
  }
}
