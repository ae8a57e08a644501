package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.sluice.client.ConsumeResult;
import io.sluice.client.InvalidArgumentException;
import io.sluice.client.Message;
import io.sluice.client.MessageNotPendingException;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.Reason;
import io.sluice.client.SendReceipt;
import io.sluice.client.SluiceClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delayed messages through client-java against a real node: none arrives before its delivery time,
 * a SIGKILL restart in the middle loses none and stores none twice, cancelled ones never arrive,
 * and bad delivery times are refused. Prints the lateness distribution.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class DelayTest {
  private static final int MESSAGES = 10_000;
  private static final int CANCELLED = 20;
  private static final Duration SPREAD = Duration.ofSeconds(30);
  private static final Duration FIRST_DUE = Duration.ofSeconds(4);

  @TempDir Path tmp;
  final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    java.util.Collections.reverse(resources);
    Closer.closeAll(resources.toArray(AutoCloseable[]::new));
  }

  private <T extends AutoCloseable> T open(T resource) {
    resources.add(resource);
    return resource;
  }

  private SluiceClient connect(BrokerProcess node) {
    return open(node.newClient());
  }

  /** First arrival per message id, in epoch ms, and how many deliveries came at all. */
  private static final class Arrivals {
    final Map<String, Long> firstAtMs = new ConcurrentHashMap<>();
    final Map<String, Long> dueAtMs = new ConcurrentHashMap<>();

    ConsumeResult record(MessageView m) {
      long now = System.currentTimeMillis();
      firstAtMs.putIfAbsent(m.messageId(), now);
      dueAtMs.putIfAbsent(m.messageId(), m.deliveryTimestampMs());
      return ConsumeResult.SUCCESS;
    }
  }

  @Test
  void tenThousandDelayedMessagesArriveOnTimeOnceAcrossASigkillRestart() throws Exception {
    Path data = tmp.resolve("data");
    String topic = "reminders";
    String group = "notifiers";
    BrokerProcess first = BrokerProcess.start(data);
    resources.add(first);
    SluiceClient c1 = connect(first);
    c1.admin().createTopic(topic, 4, MessageType.DELAY);

    long startMs = System.currentTimeMillis() + FIRST_DUE.toMillis();
    Map<String, Long> dueById = new HashMap<>();
    Set<String> cancelled = new HashSet<>();
    try (Producer producer = c1.newProducer()) {
      List<Message> batch = new ArrayList<>();
      for (int i = 0; i < MESSAGES; i++) {
        long dueMs = startMs + (SPREAD.toMillis() * i) / MESSAGES;
        batch.add(Message.builder().topic(topic).deliveryTimestamp(Instant.ofEpochMilli(dueMs))
            .body(("reminder-" + i).getBytes(StandardCharsets.UTF_8)).build());
        if (batch.size() == 200 || i == MESSAGES - 1) {
          send(producer, batch, dueById);
        }
      }
      // due in the middle of the run, cancelled at once: never delivered, not even after the restart
      for (int i = 0; i < CANCELLED; i++) {
        SendReceipt r = producer.send(Message.builder().topic(topic).deliverAfter(Duration.ofSeconds(20))
            .body(("cancelled-" + i).getBytes(StandardCharsets.UTF_8)).build());
        assertEquals(-1, r.offset(), "a delayed message has no offset before it is due");
        c1.admin().cancelDelayedMessage(topic, r.messageId());
        cancelled.add(r.messageId());
      }
    }
    assertEquals(MESSAGES, dueById.size());
    System.out.printf("[it] %d delayed messages sent, %d ms before the first is due%n",
        MESSAGES, startMs - System.currentTimeMillis());

    Arrivals arrivals = new Arrivals();
    open(c1.newPushConsumer(group, topic, arrivals::record));
    Await.until("a third of the messages delivered", Duration.ofSeconds(60),
        () -> arrivals.firstAtMs.size() >= MESSAGES / 3, () -> arrivals.firstAtMs.size() + " delivered");

    long killedAtMs = System.currentTimeMillis();
    first.sigkill();
    first.waitFor(Duration.ofSeconds(30));
    BrokerProcess second = BrokerProcess.start(data);
    resources.add(second);
    long readyAtMs = System.currentTimeMillis();
    System.out.printf("[it] node killed with %d of %d delivered; restarted in %d ms%n",
        arrivals.firstAtMs.size(), MESSAGES, readyAtMs - killedAtMs);
    SluiceClient c2 = connect(second);
    open(c2.newPushConsumer(group, topic, arrivals::record));
    Await.until("every delayed message delivered", Duration.ofSeconds(90),
        () -> arrivals.firstAtMs.size() >= MESSAGES, () -> arrivals.firstAtMs.size() + " of " + MESSAGES);

    // none early
    List<String> early = new ArrayList<>();
    for (Map.Entry<String, Long> e : arrivals.firstAtMs.entrySet()) {
      Long due = dueById.get(e.getKey());
      assertTrue(due != null, "delivered a message that was not sent (or was cancelled): " + e.getKey());
      assertEquals(due, arrivals.dueAtMs.get(e.getKey()), "delivery time carried to the consumer");
      if (e.getValue() < due) {
        early.add(e.getKey() + " " + (due - e.getValue()) + " ms early");
      }
    }
    assertTrue(early.isEmpty(), early.size() + " delivered early, e.g. " + early.subList(0, Math.min(5, early.size())));
    printLateness("consumer, all", arrivals.firstAtMs, dueById, id -> true);
    // the restart makes what fell due meanwhile late by the restart time: show the rest apart
    printLateness("consumer, due over 1 s before the kill or 2 s after the restart", arrivals.firstAtMs, dueById,
        id -> dueById.get(id) < killedAtMs - 1_000 || dueById.get(id) > readyAtMs + 2_000);

    // stored exactly once each (no second append after the crash), never before the due time,
    // and no cancelled message
    Map<String, MessageView> stored = RestartTest.readAll(c2, "auditors", topic);
    assertEquals(dueById.keySet(), stored.keySet(), "stored messages after the restart");
    Map<String, Long> storedAtMs = new HashMap<>();
    for (MessageView m : stored.values()) {
      assertTrue(m.storeTimestampMs() >= dueById.get(m.messageId()), "stored before due: " + m);
      storedAtMs.put(m.messageId(), m.storeTimestampMs());
    }
    // the timer's own lateness: appended to the queue (store time) after the due time
    printLateness("timer, due over 1 s before the kill or 2 s after the restart", storedAtMs, dueById,
        id -> dueById.get(id) < killedAtMs - 1_000 || dueById.get(id) > readyAtMs + 2_000);
    for (String id : cancelled) {
      MessageNotPendingException again = assertThrows(MessageNotPendingException.class, () -> c2.admin().cancelDelayedMessage(topic, id));
      assertEquals(Reason.MESSAGE_NOT_PENDING, again.reason());
      assertTrue(again.getMessage().contains("cancelled already"), again.getMessage());
    }
  }

  private static void send(Producer producer, List<Message> batch, Map<String, Long> dueById) {
    producer.send(batch);
    for (Message m : batch) {
      dueById.put(m.messageId(), m.deliveryTimestamp().orElseThrow().toEpochMilli());
    }
    batch.clear();
  }

  private static void printLateness(String which, Map<String, Long> atMs, Map<String, Long> dueById,
      java.util.function.Predicate<String> include) {
    long[] lateMs = atMs.entrySet().stream().filter(e -> include.test(e.getKey()))
        .mapToLong(e -> e.getValue() - dueById.get(e.getKey())).sorted().toArray();
    System.out.printf("[it] lateness (%s, %d messages): p50 %d ms, p99 %d ms, max %d ms%n", which, lateMs.length,
        percentile(lateMs, 50), percentile(lateMs, 99), lateMs.length == 0 ? 0 : lateMs[lateMs.length - 1]);
  }

  private static long percentile(long[] sorted, int p) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1)];
  }

  @Test
  void refusesBadDeliveryTimesDeliversPastOnesAtOnceAndExplainsFailedCancels() throws Exception {
    BrokerProcess node = open(BrokerProcess.start(tmp.resolve("data")));
    SluiceClient client = connect(node);
    client.admin().createTopic("later", 2, MessageType.DELAY);
    client.admin().createTopic("now", 2, MessageType.NORMAL);
    try (Producer producer = client.newProducer()) {
      InvalidArgumentException tooFar = assertThrows(InvalidArgumentException.class, () -> producer.send(
          Message.builder().topic("later").deliverAfter(Duration.ofDays(41)).body(new byte[] {1}).build()));
      assertTrue(tooFar.getMessage().contains("max-delay"), tooFar.getMessage());
      InvalidArgumentException missing = assertThrows(InvalidArgumentException.class, () -> producer.send(
          Message.builder().topic("later").body(new byte[] {1}).build()));
      assertTrue(missing.getMessage().contains("delivery time"), missing.getMessage());
      InvalidArgumentException notDelay = assertThrows(InvalidArgumentException.class, () -> producer.send(
          Message.builder().topic("now").deliverAfter(Duration.ofSeconds(5)).body(new byte[] {1}).build()));
      assertEquals(Reason.MESSAGE_TYPE_MISMATCH, notDelay.reason());

      SendReceipt past = producer.send(Message.builder().topic("later")
          .deliveryTimestamp(Instant.now().minusSeconds(60)).body(new byte[] {2}).build());
      Arrivals arrivals = new Arrivals();
      open(client.newPushConsumer("g", "later", arrivals::record));
      Await.until("a message due in the past delivered at once", Duration.ofSeconds(10),
          () -> arrivals.firstAtMs.containsKey(past.messageId()));

      MessageNotPendingException delivered = assertThrows(MessageNotPendingException.class,
          () -> client.admin().cancelDelayedMessage("later", past.messageId()));
      assertEquals(Reason.MESSAGE_NOT_PENDING, delivered.reason());
      assertEquals(Status.Code.FAILED_PRECONDITION, delivered.statusCode());
      MessageNotPendingException unknown = assertThrows(MessageNotPendingException.class,
          () -> client.admin().cancelDelayedMessage("later", "NO-SUCH-ID"));
      assertEquals(Reason.MESSAGE_NOT_PENDING, unknown.reason());
      assertEquals(Status.Code.NOT_FOUND, unknown.statusCode());
      InvalidArgumentException wrongTopic = assertThrows(InvalidArgumentException.class,
          () -> client.admin().cancelDelayedMessage("now", past.messageId()));
      assertEquals(Reason.MESSAGE_TYPE_MISMATCH, wrongTopic.reason());
    }
  }
}
