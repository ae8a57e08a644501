package io.sluice.gateway.owner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.QueryMessagesRequest.CriterionCase;
import java.util.List;
import org.junit.jupiter.api.Test;

class LookupMergeTest {
  private static Message m(String id, long storeMs, int queueId, long offset) {
    return Message.newBuilder().setMessageId(id).setStoreTimestampMs(storeMs).setQueueId(queueId).setOffset(offset).build();
  }

  @Test
  void aTimeRangeMergesOldestFirstAndCutsAtMax() {
    List<Message> g1 = List.of(m("a", 10, 0, 0), m("c", 30, 0, 1));
    List<Message> g2 = List.of(m("b", 20, 1, 0), m("d", 30, 1, 1), m("e", 40, 1, 2));
    List<Message> merged = LookupMerge.merge(CriterionCase.STORE_TIME, List.of(g1, g2), 4);
    assertEquals(List.of("a", "b", "c", "d"), merged.stream().map(Message::getMessageId).toList());
  }

  @Test
  void aKeyOrIdMergesNewestFirstAndCutsAtMax() {
    List<Message> g1 = List.of(m("c", 30, 0, 1), m("a", 10, 0, 0));
    List<Message> g2 = List.of(m("e", 40, 1, 2), m("b", 20, 1, 0));
    assertEquals(List.of("e", "c", "b"),
        LookupMerge.merge(CriterionCase.KEY, List.of(g1, g2), 3).stream().map(Message::getMessageId).toList());
    assertEquals(List.of("e", "c", "b", "a"),
        LookupMerge.merge(CriterionCase.MESSAGE_ID, List.of(g1, g2), 10).stream().map(Message::getMessageId).toList());
  }

  @Test
  void aSingleAnswerIsKeptAsTheNodeGaveIt() {
    List<Message> only = List.of(m("x", 5, 0, 0), m("y", 50, 0, 1));
    assertEquals(only, LookupMerge.merge(CriterionCase.KEY, List.of(only), 1));
  }
}
