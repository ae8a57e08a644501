package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sluice.client.ConsumeResult;
import io.sluice.client.ConsumerGroupInfo;
import io.sluice.client.InvalidReceiptException;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.ProducerSettings;
import io.sluice.client.PushConsumer;
import io.sluice.client.PushConsumerSettings;
import io.sluice.client.QueueProgress;
import io.sluice.client.Reason;
import io.sluice.client.RetryPolicy;
import io.sluice.client.SendReceipt;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SimpleConsumerSettings;
import io.sluice.client.SluiceClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery semantics on one node: a clustering group shares a topic exactly once and in queue
 * order; nacked and unacked messages come back with their attempt incremented; acked ones never.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class DeliveryTest {
  @TempDir static Path tmp;
  static BrokerProcess node;
  static SluiceClient client;

  @BeforeAll
  static void start() {
    node = BrokerProcess.start(tmp.resolve("data"));
    // generous deadlines: the machine may be shared with other builds
    client = node.newClient();
    // these groups' redeliveries are about attempts, not backoff: retry at once
    for (String group : List.of("auditors", "flaky")) {
      client.admin().setRetryPolicy(group, RetryPolicy.builder().delays(Duration.ofMillis(1)).maxAttempts(16).build());
    }
  }

  @AfterAll
  static void stop() throws Exception {
    Closer.closeAll(client, node);
  }

  /** One delivery as a listener saw it. */
  record Seen(String id, int queueId, long offset, int attempt, String body) {
    static Seen of(MessageView m) {
      return new Seen(m.messageId(), m.queueId(), m.offset(), m.attempt(),
          new String(m.bodyBytes(), StandardCharsets.UTF_8));
    }
  }

  /** Waits until the group has acked every message of the topic and holds nothing in flight. */
  static ConsumerGroupInfo awaitAllAcked(String group, String topic, Duration timeout) {
    ConsumerGroupInfo[] last = new ConsumerGroupInfo[1];
    Await.until(group + " acked everything on " + topic, timeout, () -> {
      last[0] = client.admin().describeConsumerGroup(group, topic);
      return last[0].queues().stream()
          .allMatch(q -> q.ackWatermark() == q.endOffset() && q.inFlight() == 0 && q.lag() == 0);
    }, () -> "last progress: " + last[0]);
    return last[0];
  }

  @Test
  void tenThousandMessagesReachAClusteringGroupOnceEachInQueueOrder() throws Exception {
    String topic = "clustering";
    String group = "billing";
    int queues = 8;
    int producers = 4;
    int perProducer = 2_500;
    int total = producers * perProducer;
    client.admin().createTopic(topic, queues, MessageType.NORMAL);

    // three members of one group; one listener thread each, so the listener sees the stream order
    List<Queue<Seen>> byMember = new ArrayList<>();
    List<PushConsumer> members = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      Queue<Seen> seen = new ConcurrentLinkedQueue<>();
      byMember.add(seen);
      members.add(client.newPushConsumer(
          PushConsumerSettings.builder(group, topic).consumptionThreads(1).clientId("member-" + c).build(),
          m -> {
            seen.add(Seen.of(m));
            return ConsumeResult.SUCCESS;
          }));
    }

    Map<String, SendReceipt> receipts = new ConcurrentHashMap<>();
    Map<String, String> bodies = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(producers);
    try (Producer producer = client.newProducer(
        ProducerSettings.builder().maxBlock(Duration.ofSeconds(60)).build())) {
      List<Future<List<CompletableFuture<SendReceipt>>>> threads = new ArrayList<>();
      for (int t = 0; t < producers; t++) {
        int thread = t;
        threads.add(pool.submit(() -> {
          List<CompletableFuture<SendReceipt>> sends = new ArrayList<>(perProducer);
          for (int i = 0; i < perProducer; i++) {
            String body = "producer-" + thread + "-message-" + i;
            Message m = Message.builder().topic(topic).tag("t" + (i % 3)).keys("k" + thread + "-" + i)
                .body(body.getBytes(StandardCharsets.UTF_8)).build();
            bodies.put(m.messageId(), body);
            sends.add(producer.sendAsync(m).toCompletableFuture()
                .thenApply(r -> {
                  receipts.put(r.messageId(), r);
                  return r;
                }));
          }
          return sends;
        }));
      }
      for (Future<List<CompletableFuture<SendReceipt>>> thread : threads) {
        for (CompletableFuture<SendReceipt> send : thread.get(120, TimeUnit.SECONDS)) {
          send.get(60, TimeUnit.SECONDS); // every send must be acknowledged
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(total, receipts.size(), "receipts");
    assertEquals(bodies.keySet(), receipts.keySet(), "a receipt for every message sent");

    // receipts: per queue, offsets are dense from 0 and no two messages share a slot
    Map<Integer, Set<Long>> offsetsByQueue = new HashMap<>();
    for (SendReceipt r : receipts.values()) {
      assertEquals(topic, r.topic());
      assertTrue(offsetsByQueue.computeIfAbsent(r.queueId(), q -> new HashSet<>()).add(r.offset()),
          "two messages stored at queue " + r.queueId() + " offset " + r.offset());
    }
    for (Map.Entry<Integer, Set<Long>> q : offsetsByQueue.entrySet()) {
      assertTrue(q.getKey() >= 0 && q.getKey() < queues, "queue id " + q.getKey());
      for (long o = 0; o < q.getValue().size(); o++) {
        assertTrue(q.getValue().contains(o), "queue " + q.getKey() + " has a gap at offset " + o);
      }
    }

    Await.until("the group received " + total + " distinct messages", Duration.ofSeconds(120),
        () -> byMember.stream().flatMap(Queue::stream).map(Seen::id).distinct().count() >= total,
        () -> "received " + byMember.stream().mapToInt(Queue::size).sum());
    ConsumerGroupInfo progress = awaitAllAcked(group, topic, Duration.ofSeconds(60));
    assertEquals(total, progress.queues().stream().mapToLong(QueueProgress::endOffset).sum());
    for (PushConsumer member : members) {
      member.close();
    }

    Map<String, Seen> once = new HashMap<>();
    for (int c = 0; c < byMember.size(); c++) {
      Map<Integer, Long> lastOffset = new HashMap<>();
      for (Seen s : byMember.get(c)) {
        Seen before = once.put(s.id(), s);
        if (before != null) {
          fail("message " + s.id() + " delivered twice: " + before + " and " + s + " (member " + c + ")");
        }
        assertEquals(1, s.attempt(), "first delivery attempt of " + s);
        SendReceipt r = receipts.get(s.id());
        if (r == null) {
          fail("delivered a message that was never sent: " + s);
        }
        assertEquals(r.queueId(), s.queueId(), "queue of " + s.id());
        assertEquals(r.offset(), s.offset(), "offset of " + s.id());
        assertEquals(bodies.get(s.id()), s.body(), "body of " + s.id());
        Long prev = lastOffset.put(s.queueId(), s.offset());
        if (prev != null && prev >= s.offset()) {
          fail("member " + c + " got queue " + s.queueId() + " out of order: offset " + s.offset()
              + " after " + prev);
        }
      }
      assertFalse(byMember.get(c).isEmpty(), "member " + c + " of the group received nothing");
    }
    assertEquals(receipts.keySet(), once.keySet(), "every acknowledged message delivered exactly once");
    System.out.println("[it] clustering: messages per member " + byMember.stream().map(Queue::size).toList());
    Set<String> slots = new HashSet<>();
    once.values().forEach(s -> slots.add(s.queueId() + "@" + s.offset()));
    assertEquals(total, slots.size(), "distinct (queue, offset) delivered");
  }

  @Test
  void unackedMessagesComeBackWithTheNextAttemptAndAckedOnesNever() {
    String topic = "redelivery";
    String group = "auditors";
    client.admin().createTopic(topic, 2, MessageType.NORMAL);
    Duration invisible = Duration.ofSeconds(1);
    try (Producer producer = client.newProducer()) {
      producer.send(Message.builder().topic(topic).body("keep-me".getBytes(StandardCharsets.UTF_8)).build());
      producer.send(Message.builder().topic(topic).body("ack-me".getBytes(StandardCharsets.UTF_8)).build());
    }
    SimpleConsumer consumer = client.newSimpleConsumer(
        SimpleConsumerSettings.builder(group, topic).awaitDuration(Duration.ofSeconds(2)).build());

    // receive both; ack "ack-me" at once, leave "keep-me" unacked
    MessageView[] keep = new MessageView[1];
    long[] ackedAt = {0};
    Await.until("both messages received", Duration.ofSeconds(30), () -> {
      for (MessageView m : consumer.receive(16, invisible)) {
        String body = new String(m.bodyBytes(), StandardCharsets.UTF_8);
        if (body.equals("ack-me")) {
          assertEquals(0, ackedAt[0], "ack-me delivered again after its ack: attempt " + m.attempt());
          try {
            consumer.ack(m);
            ackedAt[0] = System.currentTimeMillis();
          } catch (InvalidReceiptException expiredMeanwhile) {
            // a loaded machine took longer than the 1 s invisible time: it comes back, ack that
          }
        } else {
          assertEquals("keep-me", body);
          int expected = keep[0] == null ? 1 : keep[0].attempt() + 1;
          assertEquals(expected, m.attempt(), "attempt of keep-me");
          keep[0] = m;
        }
      }
      return keep[0] != null && ackedAt[0] != 0;
    });
    MessageView firstKeep = keep[0];

    // keep-me is never acked: it must come back once per invisible period with the attempt
    // incremented each time; ack-me must not come back although several invisible periods pass
    List<MessageView> redeliveries = new ArrayList<>();
    Await.until("keep-me redelivered four times", Duration.ofSeconds(60), () -> {
      for (MessageView m : consumer.receive(16, invisible)) {
        assertEquals(firstKeep.messageId(), m.messageId(),
            "redelivered a message that was acked: " + new String(m.bodyBytes(), StandardCharsets.UTF_8));
        redeliveries.add(m);
      }
      return redeliveries.size() >= 4;
    });
    for (int i = 0; i < redeliveries.size(); i++) {
      MessageView m = redeliveries.get(i);
      assertEquals(firstKeep.attempt() + i + 1, m.attempt(), "attempt of redelivery " + (i + 1));
      assertEquals(firstKeep.queueId(), m.queueId());
      assertEquals(firstKeep.offset(), m.offset());
      assertEquals("keep-me", new String(m.bodyBytes(), StandardCharsets.UTF_8));
    }
    // at least three invisible periods passed since the ack, measured by the redeliveries
    assertTrue(redeliveries.get(redeliveries.size() - 1).invisibleUntilMs() - ackedAt[0]
        >= 3 * invisible.toMillis(), "three invisible periods after the ack");

    // a handle of an earlier delivery is no longer current
    InvalidReceiptException stale = assertThrows(InvalidReceiptException.class, () -> consumer.ack(firstKeep));
    assertEquals(Reason.INVALID_RECEIPT, stale.reason());

    // ack keep-me now; the latest delivery may have expired while we checked: then the next one
    MessageView[] toAck = {redeliveries.get(redeliveries.size() - 1)};
    Await.until("keep-me acked", Duration.ofSeconds(60), () -> {
      try {
        consumer.ack(toAck[0]);
        return true;
      } catch (InvalidReceiptException expired) {
        List<MessageView> again = consumer.receive(16, Duration.ofSeconds(30));
        if (!again.isEmpty()) {
          assertEquals(firstKeep.messageId(), again.get(0).messageId());
          toAck[0] = again.get(0);
        }
        return false;
      }
    });
    awaitAllAcked(group, topic, Duration.ofSeconds(30));
    long settledAt = System.currentTimeMillis();
    // nothing comes back for three more invisible periods (receive waits 2 s per call)
    while (System.currentTimeMillis() - settledAt < 3 * invisible.toMillis() + 500) {
      List<MessageView> late = consumer.receive(16, invisible);
      assertTrue(late.isEmpty(), "acked messages delivered again: " + late);
    }
    consumer.close();
  }

  @Test
  void pushConsumerRetryRedeliversWithAttemptTwoThenAckHolds() {
    String topic = "retries";
    String group = "flaky";
    int count = 50;
    client.admin().createTopic(topic, 4, MessageType.NORMAL);
    Set<String> sent = new HashSet<>();
    try (Producer producer = client.newProducer()) {
      for (int i = 0; i < count; i++) {
        sent.add(producer.send(Message.builder().topic(topic)
            .body(("retry-" + i).getBytes(StandardCharsets.UTF_8)).build()).messageId());
      }
    }
    Map<String, List<Integer>> attempts = new ConcurrentHashMap<>();
    try (PushConsumer consumer = client.newPushConsumer(
        PushConsumerSettings.builder(group, topic).invisibleDuration(Duration.ofSeconds(10)).build(),
        m -> {
          attempts.computeIfAbsent(m.messageId(), id -> new java.util.concurrent.CopyOnWriteArrayList<>())
              .add(m.attempt());
          return m.attempt() == 1 ? ConsumeResult.RETRY : ConsumeResult.SUCCESS;
        })) {
      assertEquals(group, consumer.group());
      Await.until("every message retried once and acked", Duration.ofSeconds(60),
          () -> attempts.size() == count && attempts.values().stream().allMatch(a -> a.contains(2)),
          () -> "attempts: " + attempts);
      awaitAllAcked(group, topic, Duration.ofSeconds(30));
    }
    assertEquals(sent, attempts.keySet());
    attempts.forEach((id, a) -> assertEquals(List.of(1, 2), a, "attempts of " + id));

    // the group holds nothing any more: a receive on it over several invisible periods gets nothing
    SimpleConsumer check = client.newSimpleConsumer(
        SimpleConsumerSettings.builder(group, topic).awaitDuration(Duration.ofSeconds(2)).build());
    long from = System.currentTimeMillis();
    while (System.currentTimeMillis() - from < 3_500) {
      List<MessageView> late = check.receive(16, Duration.ofSeconds(1));
      assertTrue(late.isEmpty(), "acked messages delivered again: " + late);
    }
  }
}
