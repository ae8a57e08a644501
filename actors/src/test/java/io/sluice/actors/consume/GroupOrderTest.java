package io.sluice.actors.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.protocol.v1.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupOrderTest {
  final GroupOrder order = new GroupOrder();

  static Message m(String group, long offset) {
    return Message.newBuilder().setMessageGroup(group).setOffset(offset).build();
  }

  /** Offers {@code m} as GroupQueue does: delivered at once unless its group blocks it. */
  boolean offer(Message m) {
    if (order.blocks(m)) {
      order.hold(m);
      return false;
    }
    order.delivering(m);
    return true;
  }

  @Test
  void laterMessageOfAGroupWaitsWhileOtherGroupsFlow() {
    assertTrue(offer(m("a", 0)));
    assertFalse(offer(m("a", 1)));
    assertTrue(offer(m("b", 2)));
    assertFalse(offer(m("a", 3)));
    assertEquals(2, order.waitingCount());
    assertFalse(order.hasReleased());
  }

  @Test
  void settlingReleasesTheGroupsNextMessageInOffsetOrder() {
    Message a0 = m("a", 0);
    Message a1 = m("a", 1);
    Message a2 = m("a", 2);
    offer(a0);
    offer(a1);
    offer(a2);

    order.settled("a", 0);
    assertSame(a1, order.pollReleased().message());
    assertNull(order.pollReleased());
    // a1 is now outstanding: a2 still waits
    assertTrue(order.blocks(m("a", 5)));
    order.settled("a", 1);
    assertSame(a2, order.pollReleased().message());
    order.settled("a", 2);
    assertFalse(order.blocks(m("a", 5)), "group is free once its last message is settled");
    assertEquals(0, order.waitingCount());
  }

  @Test
  void settlingAnythingButTheOutstandingOffsetChangesNothing() {
    offer(m("a", 0));
    offer(m("a", 1));
    order.settled("a", 1);
    order.settled("b", 0);
    assertFalse(order.hasReleased());
    assertTrue(order.blocks(m("a", 2)));
  }

  @Test
  void messagesWithoutAGroupAreNotOrdered() {
    assertTrue(offer(m("", 0)));
    assertTrue(offer(m("", 1)));
    assertEquals(0, order.waitingCount());
  }

  @Test
  void deliveringASecondMessageOfABusyGroupIsABug() {
    order.delivering(m("a", 0));
    order.delivering(m("a", 0));
    assertThrows(IllegalStateException.class, () -> order.delivering(m("a", 1)));
  }

  @Test
  void interleavedGroupsEachKeepTheirOwnOrder() {
    List<Message> delivered = new ArrayList<>();
    for (long offset = 0; offset < 30; offset++) {
      Message msg = m("g" + offset % 3, offset);
      if (offer(msg)) {
        delivered.add(msg);
      }
    }
    // settle in an order unrelated to offsets until everything was delivered
    for (int i = 0; i < delivered.size(); i++) {
      Message done = delivered.get(i);
      order.settled(done.getMessageGroup(), done.getOffset());
      for (GroupOrder.Held next = order.pollReleased(); next != null; next = order.pollReleased()) {
        delivered.add(next.message());
      }
    }
    assertEquals(30, delivered.size());
    for (String group : List.of("g0", "g1", "g2")) {
      List<Long> offsets = delivered.stream()
          .filter(x -> x.getMessageGroup().equals(group)).map(Message::getOffset).toList();
      List<Long> sorted = offsets.stream().sorted().toList();
      assertEquals(sorted, offsets, group);
      assertEquals(10, offsets.size(), group);
    }
  }
}
