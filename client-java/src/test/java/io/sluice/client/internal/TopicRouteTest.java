package io.sluice.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageQueue;
import io.sluice.protocol.v1.QueryRouteResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class TopicRouteTest {
  private static QueryRouteResponse route(boolean... available) {
    QueryRouteResponse.Builder r = QueryRouteResponse.newBuilder();
    // out of order on the wire: the rule counts in queue-id order
    for (int q = available.length - 1; q >= 0; q--) {
      r.addQueues(MessageQueue.newBuilder().setQueueId(q).setAvailable(available[q]).addEndpoints("h" + q + ":1"));
    }
    return r.build();
  }

  private static long crc(String s) {
    CRC32C crc = new CRC32C();
    crc.update(s.getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }

  @Test
  void aMessageWithoutGroupGoesToAnAvailableQueueByItsIdHash() {
    TopicRoute route = TopicRoute.of(route(true, false, true, true, false));
    int[] available = {0, 2, 3};
    for (int i = 0; i < 200; i++) {
      String id = "id-" + i;
      int expected = available[(int) (crc(id) % 3)];
      assertEquals(expected, route.predict(Message.newBuilder().setMessageId(id).build()).getQueueId(), id);
    }
  }

  @Test
  void aMessageWithGroupGoesToItsGroupsQueueAvailableOrNot() {
    TopicRoute route = TopicRoute.of(route(true, false, true, true, false));
    for (int i = 0; i < 200; i++) {
      String group = "g-" + i;
      Message m = Message.newBuilder().setMessageId("x").setMessageGroup(group).build();
      assertEquals((int) (crc(group) % 5), route.predict(m).getQueueId(), group);
    }
  }

  @Test
  void noAvailableQueueGivesNoPrediction() {
    assertNull(TopicRoute.of(route(false, false)).predict(Message.newBuilder().setMessageId("a").build()));
  }
}
