package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.Admin;
import io.sluice.client.InvalidArgumentException;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.OffsetReset;
import io.sluice.client.Producer;
import io.sluice.client.SendReceipt;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SluiceClient;
import io.sluice.client.TopicNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin lookups by id, key and store time find the stored messages; resetting a group's position
 * to a store time, to the earliest or to the latest message redelivers from there.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class QueryAndResetTest {
  @TempDir static Path tmp;
  static BrokerProcess node;
  static SluiceClient client;

  @BeforeAll
  static void start() {
    node = BrokerProcess.start(tmp.resolve("data"));
    client = node.newClient();
  }

  @AfterAll
  static void stop() throws Exception {
    Closer.closeAll(client, node);
  }

  static List<SendReceipt> send(Producer producer, String topic, String batch, int n) {
    List<SendReceipt> receipts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      receipts.add(producer.send(Message.builder().topic(topic)
          .keys("order-" + batch + "-" + i, i % 2 == 0 ? "even" : "odd")
          .body((batch + "-" + i).getBytes(StandardCharsets.UTF_8)).build()));
    }
    return receipts;
  }

  static Set<String> ids(List<? extends Object> items) {
    return items.stream().map(o -> o instanceof MessageView m ? m.messageId() : ((SendReceipt) o).messageId())
        .collect(Collectors.toSet());
  }

  /** Receives and acks until {@code expected} messages came, then checks nothing more is due. */
  static Set<String> consumeAll(SimpleConsumer consumer, int expected) {
    Set<String> seen = new HashSet<>();
    List<String> order = new ArrayList<>();
    Await.until("receiving " + expected + " messages", Duration.ofSeconds(60), () -> {
      for (MessageView m : consumer.receive(32, Duration.ofSeconds(30))) {
        order.add(m.messageId());
        seen.add(m.messageId());
        consumer.ack(m);
      }
      return order.size() >= expected;
    });
    assertEquals(expected, order.size(), "deliveries");
    assertEquals(expected, seen.size(), "distinct messages");
    return seen;
  }

  @Test
  void findsMessagesByIdKeyAndStoreTimeAndResetsGroupPositions() {
    String topic = "queried";
    Admin admin = client.admin();
    admin.createTopic(topic, 2, MessageType.NORMAL);
    List<SendReceipt> early;
    List<SendReceipt> late;
    long firstLate;
    try (Producer producer = client.newProducer()) {
      early = send(producer, topic, "early", 10);
      // the broker (same clock) stored every early message before its receipt came back
      long earlyDone = System.currentTimeMillis();
      Await.until("the clock to pass the early batch", Duration.ofSeconds(5),
          () -> System.currentTimeMillis() > earlyDone);
      firstLate = System.currentTimeMillis();
      late = send(producer, topic, "late", 10);
    }

    // by id: exactly that message, with its broker fields
    SendReceipt third = early.get(3);
    List<MessageView> byId = admin.queryMessagesById(topic, third.messageId());
    assertEquals(1, byId.size());
    assertEquals("early-3", new String(byId.get(0).bodyBytes(), StandardCharsets.UTF_8));
    assertEquals(third.queueId(), byId.get(0).queueId());
    assertEquals(third.offset(), byId.get(0).offset());
    assertEquals(List.of(), admin.queryMessagesById(topic, "no-such-id"));

    // by key: one key is unique, "even" is on every other message
    assertEquals(List.of("late-4"), admin.queryMessagesByKey(topic, "order-late-4", 10).stream()
        .map(m -> new String(m.bodyBytes(), StandardCharsets.UTF_8)).toList());
    assertEquals(10, admin.queryMessagesByKey(topic, "even", 100).size());
    assertEquals(3, admin.queryMessagesByKey(topic, "even", 3).size());

    // by store time: the late batch alone, oldest first
    List<MessageView> byTime =
        admin.queryMessagesByStoreTime(topic, Instant.ofEpochMilli(firstLate), Instant.now(), 100);
    assertEquals(ids(late), ids(byTime));
    for (int i = 1; i < byTime.size(); i++) {
      assertTrue(byTime.get(i - 1).storeTimestampMs() <= byTime.get(i).storeTimestampMs(), "oldest first");
    }
    assertEquals(4, admin.queryMessagesByStoreTime(topic, Instant.EPOCH, Instant.now(), 4).size());

    // consume everything, then move back to the late batch's time: exactly the late batch again
    SimpleConsumer consumer = client.newSimpleConsumer("replayers", topic);
    Set<String> all = new HashSet<>(ids(early));
    all.addAll(ids(late));
    assertEquals(all, consumeAll(consumer, 20));
    assertEquals(0, admin.describeConsumerGroup("replayers", topic).totalLag());

    assertEquals(10, admin.resetConsumerGroupOffset("replayers", topic,
        OffsetReset.toStoreTime(Instant.ofEpochMilli(firstLate))).totalLag());
    assertEquals(ids(late), consumeAll(consumer, 10));

    // back to the earliest: all twenty; then to the latest: nothing, until a new message comes
    assertEquals(20, admin.resetConsumerGroupOffset("replayers", topic, OffsetReset.earliest()).totalLag());
    assertEquals(all, consumeAll(consumer, 20));
    admin.resetConsumerGroupOffset("replayers", topic, OffsetReset.earliest());
    assertEquals(0, admin.resetConsumerGroupOffset("replayers", topic, OffsetReset.latest()).totalLag());
    assertEquals(List.of(), consumer.receive(32, Duration.ofSeconds(30)));
    SendReceipt fresh;
    try (Producer producer = client.newProducer()) {
      fresh = send(producer, topic, "fresh", 1).get(0);
    }
    assertEquals(Set.of(fresh.messageId()), consumeAll(consumer, 1));
  }

  @Test
  void badQueriesAndResetsAreRefused() {
    Admin admin = client.admin();
    assertThrows(TopicNotFoundException.class, () -> admin.queryMessagesByKey("no-such-topic", "k", 1));
    assertThrows(TopicNotFoundException.class,
        () -> admin.resetConsumerGroupOffset("g", "no-such-topic", OffsetReset.earliest()));
    admin.createTopic("query-bad-input", 1, MessageType.NORMAL);
    assertThrows(InvalidArgumentException.class, () -> admin.queryMessagesByKey("query-bad-input", "k", 1001));
    assertThrows(InvalidArgumentException.class, () -> admin.queryMessagesByKey("query-bad-input", "", 1));
    assertThrows(InvalidArgumentException.class, () -> admin.queryMessagesByStoreTime(
        "query-bad-input", Instant.ofEpochMilli(20), Instant.ofEpochMilli(10), 1));
    assertThrows(InvalidArgumentException.class,
        () -> admin.resetConsumerGroupOffset("bad group!", "query-bad-input", OffsetReset.earliest()));
    assertThrows(InvalidArgumentException.class, () -> admin.resetConsumerGroupOffset(
        "g", "query-bad-input", OffsetReset.toStoreTime(Instant.ofEpochMilli(-1))));
  }
}
