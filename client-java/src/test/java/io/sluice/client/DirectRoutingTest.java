package io.sluice.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.protocol.v1.MessageQueue;
import io.sluice.protocol.v1.QueryRouteResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A producer against three fake nodes: with a route it sends each message to the node owning the
 * queue the broker will pick; without one, or when that node is down, through its configured one.
 */
class DirectRoutingTest {
  static ActorSystem system;
  static FakeBroker n0;
  static FakeBroker n1;
  static FakeBroker n2;
  static FakeBroker dead;

  @BeforeAll
  static void start() throws Exception {
    system = FakeBroker.serverSystem("direct-routing-test");
    n0 = FakeBroker.start(system);
    n1 = FakeBroker.start(system);
    n2 = FakeBroker.start(system);
    dead = FakeBroker.start(system);
    dead.stop();
    // queue 2's group is down: messages without a group never go there
    QueryRouteResponse route = QueryRouteResponse.newBuilder()
        .addQueues(queue(0, true, n0, n1, n2))
        .addQueues(queue(1, true, n1, n0, n2))
        .addQueues(queue(2, false, n2, n0, n1))
        .addQueues(queue(3, true, n2, n0, n1))
        .build();
    QueryRouteResponse toDead = QueryRouteResponse.newBuilder()
        .addQueues(MessageQueue.newBuilder().setQueueId(0).setAvailable(true)
            .addEndpoints(dead.endpoint()).addEndpoints(n0.endpoint()))
        .build();
    for (FakeBroker b : List.of(n0, n1, n2)) {
      b.routes.put("routed", route);
      b.routes.put("to-dead", toDead);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    n1.stop();
    n2.stop();
    n0.stopWithSystem();
  }

  private static MessageQueue.Builder queue(int id, boolean available, FakeBroker... nodes) {
    MessageQueue.Builder q = MessageQueue.newBuilder().setQueueId(id).setAvailable(available);
    for (FakeBroker b : nodes) {
      q.addEndpoints(b.endpoint());
    }
    return q;
  }

  /** The broker's rule, written out independently of the client's code. */
  private static int expectedQueue(Message m) {
    if (m.messageGroup() != null && !m.messageGroup().isEmpty()) {
      return (int) (crc(m.messageGroup()) % 4);
    }
    int[] available = {0, 1, 3};
    return available[(int) (crc(m.messageId()) % available.length)];
  }

  private static long crc(String s) {
    CRC32C crc = new CRC32C();
    crc.update(s.getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }

  private static FakeBroker ownerOf(int queueId) {
    return queueId == 0 ? n0 : queueId == 1 ? n1 : n2;
  }

  private static List<Message> messages(String topic, int count) {
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Message.Builder b = Message.builder().topic(topic).body(("m" + i).getBytes(StandardCharsets.UTF_8));
      if (i % 3 == 0) {
        b.messageGroup("group-" + i);
      }
      messages.add(b.build());
    }
    return messages;
  }

  private static boolean received(FakeBroker b, Message m) {
    return b.attemptsById.containsKey(m.messageId());
  }

  @Test
  void eachMessageGoesToTheNodeOfItsQueue() {
    List<Message> messages = messages("routed", 90);
    try (SluiceClient client = n0.clientBuilder().build();
        Producer producer = client.newProducer()) {
      producer.send(messages.subList(0, 45));
      for (Message m : messages.subList(45, 90)) {
        producer.send(m);
      }
    }
    for (Message m : messages) {
      FakeBroker owner = ownerOf(expectedQueue(m));
      for (FakeBroker b : List.of(n0, n1, n2)) {
        assertEquals(b == owner, received(b, m), "message " + m.messageId() + " at " + b.endpoint());
      }
    }
    assertTrue(messages.stream().anyMatch(m -> received(n1, m)) && messages.stream().anyMatch(m -> received(n2, m)));
  }

  @Test
  void withoutDirectRoutingEverythingGoesThroughTheConfiguredNode() throws Exception {
    List<Message> messages = messages("routed", 60);
    try (SluiceClient client = n0.clientBuilder().build();
        Producer producer = client.newProducer(ProducerSettings.builder().directRouting(false).build())) {
      producer.send(messages.subList(0, 30));
      for (Message m : messages.subList(30, 60)) {
        producer.sendAsync(m).toCompletableFuture().get();
      }
    }
    for (Message m : messages) {
      assertTrue(received(n0, m) && !received(n1, m) && !received(n2, m), m.messageId());
    }
  }

  @Test
  void aSendToADeadNodeFallsBackToTheConfiguredNode() {
    List<Message> messages = messages("to-dead", 10);
    try (SluiceClient client = n0.clientBuilder().build();
        Producer producer = client.newProducer()) {
      List<SendReceipt> receipts = producer.send(messages);
      assertEquals(10, receipts.size());
      // the node is avoided from now on: the next send goes straight to the configured node
      Message next = Message.builder().topic("to-dead").body(new byte[] {1}).build();
      producer.send(next);
      assertEquals(1, n0.attemptsById.get(next.messageId()).get());
    }
    for (Message m : messages) {
      assertTrue(received(n0, m), m.messageId());
    }
  }

  @Test
  void aChangedRouteIsFollowedAfterTheRefreshInterval() {
    QueryRouteResponse toN1 = QueryRouteResponse.newBuilder().addQueues(queue(0, true, n1, n0)).build();
    QueryRouteResponse toN2 = QueryRouteResponse.newBuilder().addQueues(queue(0, true, n2, n0)).build();
    n0.routes.put("moving", toN1);
    try (SluiceClient client = n0.clientBuilder().build();
        Producer producer = client.newProducer(
            ProducerSettings.builder().routeRefreshInterval(java.time.Duration.ofMillis(200)).build())) {
      Message first = Message.builder().topic("moving").body(new byte[] {1}).build();
      producer.send(first);
      assertTrue(received(n1, first));
      n0.routes.put("moving", toN2);
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (true) {
        Message m = Message.builder().topic("moving").body(new byte[] {2}).build();
        producer.send(m);
        if (received(n2, m)) {
          break;
        }
        assertTrue(received(n1, m), "before the refresh a message still goes to the old owner");
        assertTrue(System.nanoTime() < deadline, "the new route was not used within 30 s");
      }
    }
  }

  @Test
  void notMasterMakesTheProducerFetchTheRouteAgainAndResendUnderTheSameId() {
    n0.routes.put("deposed", QueryRouteResponse.newBuilder().addQueues(queue(0, true, n1, n0)).build());
    try (SluiceClient client = n0.clientBuilder().build();
        Producer producer = client.newProducer()) {
      Message before = Message.builder().topic("deposed").body(new byte[] {0}).build();
      producer.send(before);
      assertTrue(received(n1, before), "the route names n1");
      // the group's master moves to n2: n1 refuses, the route names n2
      n1.notMasterOf.add("deposed");
      n0.routes.put("deposed", QueryRouteResponse.newBuilder().addQueues(queue(0, true, n2, n0)).build());
      Message first = Message.builder().topic("deposed").body(new byte[] {1}).build();
      SendReceipt receipt = producer.send(first);
      assertEquals(first.messageId(), receipt.messageId());
      assertEquals(1, n1.attemptsById.get(first.messageId()).get(), "asked the deposed node once");
      assertTrue(received(n0, first) || received(n2, first), "resent under the same id elsewhere");
      Message next = Message.builder().topic("deposed").body(new byte[] {2}).build();
      producer.send(next);
      assertTrue(!received(n1, next), "the deposed node is not sent to again");
    } finally {
      n1.notMasterOf.remove("deposed");
    }
  }

  @Test
  void aTopicWithoutRouteIsSentThroughTheConfiguredNode() {
    List<Message> messages = messages("unrouted", 10);
    try (SluiceClient client = n1.clientBuilder().build();
        Producer producer = client.newProducer()) {
      producer.send(messages);
    }
    for (Message m : messages) {
      assertTrue(received(n1, m) && !received(n0, m) && !received(n2, m), m.messageId());
    }
  }
}
