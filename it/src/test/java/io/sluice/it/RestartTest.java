package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sluice.client.ConsumerGroupInfo;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.ProducerSettings;
import io.sluice.client.QueueProgress;
import io.sluice.client.SendReceipt;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SimpleConsumerSettings;
import io.sluice.client.SluiceClient;
import io.sluice.client.TopicInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node restarted on the same data directory, after a graceful stop (SIGTERM) and after SIGKILL
 * while producers and an acking consumer run: every acknowledged send is there, and a group
 * resumes from its acks (no acked message comes back, every other one does).
 */
@ExtendWith(BrokerLogsOnFailure.class)
class RestartTest {
  @TempDir Path tmp;
  final List<BrokerProcess> nodes = new ArrayList<>();
  final List<SluiceClient> clients = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    for (SluiceClient c : clients) {
      try {
        c.close();
      } catch (RuntimeException e) {
        // the node may be gone
      }
    }
    nodes.forEach(BrokerProcess::close);
  }

  BrokerProcess startNode(Path data) {
    BrokerProcess node = BrokerProcess.start(data);
    nodes.add(node);
    return node;
  }

  SluiceClient connect(BrokerProcess node, int maxAttempts) {
    SluiceClient c = SluiceClient.builder().endpoints(node.endpoint()).maxAttempts(maxAttempts)
        .requestTimeout(Duration.ofSeconds(30))
        .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).build();
    clients.add(c);
    return c;
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void gracefulRestartKeepsMessagesTopicsAndAcks() {
    Path data = tmp.resolve("data");
    String topic = "ledger";
    String group = "resumers";
    BrokerProcess first = startNode(data);
    SluiceClient c1 = connect(first, 3);
    c1.admin().createTopic(topic, 4, MessageType.NORMAL);

    Map<String, SendReceipt> sent = new HashMap<>();
    try (Producer producer = c1.newProducer()) {
      for (int batch = 0; batch < 20; batch++) {
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          messages.add(Message.builder().topic(topic).keys("b" + batch)
              .body(("ledger-" + batch + "-" + i).getBytes(StandardCharsets.UTF_8)).build());
        }
        producer.send(messages).forEach(r -> sent.put(r.messageId(), r));
      }
    }
    assertEquals(2_000, sent.size());

    // the group acks 300 messages (unary acks, several at a time) and holds 100 more unacked
    SimpleConsumer consumer = c1.newSimpleConsumer(
        SimpleConsumerSettings.builder(group, topic).awaitDuration(Duration.ofSeconds(2)).build());
    Set<String> acked = ConcurrentHashMap.newKeySet();
    Set<String> heldUnacked = new HashSet<>();
    ExecutorService ackers = Executors.newFixedThreadPool(8);
    try {
      Await.until("300 acked", Duration.ofSeconds(60), () -> {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (MessageView m : consumer.receive(Math.min(64, 300 - acked.size()), Duration.ofMinutes(5))) {
          acks.add(CompletableFuture.runAsync(() -> {
            consumer.ack(m);
            acked.add(m.messageId());
          }, ackers));
        }
        acks.forEach(CompletableFuture::join);
        return acked.size() >= 300;
      });
    } finally {
      ackers.shutdownNow();
    }
    Await.until("100 held unacked", Duration.ofSeconds(60), () -> {
      for (MessageView m : consumer.receive(Math.min(64, 100 - heldUnacked.size()), Duration.ofMinutes(5))) {
        heldUnacked.add(m.messageId());
      }
      return heldUnacked.size() >= 100;
    });
    ConsumerGroupInfo before = c1.admin().describeConsumerGroup(group, topic);

    long termAt = System.nanoTime();
    first.sigterm();
    int exit = first.waitFor(Duration.ofSeconds(60));
    System.out.printf("[it] node exited %d ms after SIGTERM with code %d%n", (System.nanoTime() - termAt) / 1_000_000, exit);
    assertTrue(exit == 0 || exit == 143, "exit code after SIGTERM: " + exit + "\n" + first.tail(30));

    BrokerProcess second = startNode(data);
    SluiceClient c2 = connect(second, 3);
    TopicInfo info = c2.admin().describeTopic(topic);
    assertEquals(4, info.queueCount(), "the topic survived the restart: " + info);
    ConsumerGroupInfo after = c2.admin().describeConsumerGroup(group, topic);
    assertWatermarksKept(before, after);

    // every message is there, each once, where its receipt said
    Map<String, MessageView> all = readAll(c2, "auditors", topic);
    assertEquals(sent.keySet(), all.keySet(), "messages after a graceful restart");
    all.values().forEach(m -> assertStoredAt(sent.get(m.messageId()), m));

    // the group resumes: none of its acked messages again, every other one (held ones included)
    Map<String, MessageView> resumed = readRest(c2, group, topic);
    Set<String> redelivered = intersection(resumed.keySet(), acked);
    assertTrue(redelivered.isEmpty(), redelivered.size() + " acked messages redelivered after restart: "
        + sample(redelivered));
    Set<String> expected = new HashSet<>(sent.keySet());
    expected.removeAll(acked);
    assertEquals(expected, resumed.keySet(), "the group's unacked messages after restart");
    assertTrue(resumed.keySet().containsAll(heldUnacked));

    // offsets go on where they stopped
    try (Producer producer = c2.newProducer()) {
      SendReceipt r = producer.send(Message.builder().topic(topic).body("after".getBytes(StandardCharsets.UTF_8)).build());
      long endBefore = after.queues().stream().filter(q -> q.queueId() == r.queueId())
          .findFirst().orElseThrow().endOffset();
      assertEquals(endBefore, r.offset(), "offset of the first message after restart in queue " + r.queueId());
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void sigkillWhileProducingAndAckingLosesNoAcknowledgedSendOrAck() throws Exception {
    Path data = tmp.resolve("data");
    String topic = "journal";
    String group = "survivors";
    BrokerProcess first = startNode(data);
    SluiceClient c1 = connect(first, 1); // no retries: a send either has its receipt or not
    c1.admin().createTopic(topic, 4, MessageType.NORMAL);

    Map<String, SendReceipt> acknowledged = new ConcurrentHashMap<>();
    Set<String> ackAttempted = ConcurrentHashMap.newKeySet();
    Set<String> ackConfirmed = ConcurrentHashMap.newKeySet();
    java.util.concurrent.atomic.AtomicInteger sendsFailed = new java.util.concurrent.atomic.AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Throwable> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();

    // producer 1: pipelined sendAsync, about 1,000 messages a second
    Thread pipelined = new Thread(() -> {
      try (Producer p = c1.newProducer(ProducerSettings.builder().maxBlock(Duration.ofSeconds(2)).build())) {
        int i = 0;
        while (running.get()) {
          for (int k = 0; k < 20 && running.get(); k++) {
            p.sendAsync(Message.builder().topic(topic).body(("async-" + i++).getBytes(StandardCharsets.UTF_8)).build())
                .whenComplete((r, e) -> {
                  if (r != null) {
                    acknowledged.put(r.messageId(), r);
                  } else {
                    sendsFailed.incrementAndGet();
                  }
                });
          }
          Await.pause(); // 50 ms: throttles to what the checks below can read back quickly
        }
      } catch (RuntimeException e) {
        if (running.get()) {
          unexpected.add(e);
        }
      }
    }, "pipelined-producer");
    // producer 2: unary batches
    Thread unary = new Thread(() -> {
      try (Producer p = c1.newProducer()) {
        int i = 0;
        while (running.get()) {
          List<Message> batch = new ArrayList<>();
          for (int k = 0; k < 20; k++) {
            batch.add(Message.builder().topic(topic).body(("unary-" + i++).getBytes(StandardCharsets.UTF_8)).build());
          }
          try {
            p.send(batch).forEach(r -> acknowledged.put(r.messageId(), r));
          } catch (RuntimeException e) {
            sendsFailed.addAndGet(batch.size());
            if (running.get()) {
              unexpected.add(e);
            }
          }
          Await.pause();
        }
      }
    }, "unary-producer");
    // the group acks everything it receives: four members, unary acks (each waits for the
    // broker to persist it)
    List<Thread> ackers = new ArrayList<>();
    for (int a = 0; a < 4; a++) {
      ackers.add(new Thread(() -> {
        SimpleConsumer consumer = c1.newSimpleConsumer(
            SimpleConsumerSettings.builder(group, topic).awaitDuration(Duration.ofSeconds(1)).build());
        while (running.get()) {
          try {
            for (MessageView m : consumer.receive(16, Duration.ofMinutes(5))) {
              ackAttempted.add(m.messageId());
              consumer.ack(m);
              ackConfirmed.add(m.messageId());
            }
          } catch (RuntimeException e) {
            if (running.get()) {
              unexpected.add(e);
            }
          }
        }
      }, "acker-" + a));
    }
    pipelined.start();
    unary.start();
    ackers.forEach(Thread::start);

    Await.until("2,000 sends and 300 acks confirmed", Duration.ofSeconds(90),
        () -> acknowledged.size() >= 2_000 && ackConfirmed.size() >= 300 || !unexpected.isEmpty(),
        () -> acknowledged.size() + " sends, " + ackConfirmed.size() + " acks");
    assertTrue(unexpected.isEmpty(), "failures before the kill: " + unexpected);
    ConsumerGroupInfo before = c1.admin().describeConsumerGroup(group, topic);
    Set<String> confirmedBeforeDescribe = new HashSet<>(ackConfirmed);

    first.sigkill(); // while every thread is busy
    running.set(false);
    List<Thread> workers = new ArrayList<>(ackers);
    workers.add(pipelined);
    workers.add(unary);
    for (Thread t : workers) {
      t.join(60_000);
      assertTrue(!t.isAlive(), t.getName() + " did not stop");
    }
    Map<String, SendReceipt> acked = new HashMap<>(acknowledged);
    Set<String> confirmed = new HashSet<>(ackConfirmed);
    Set<String> attempted = new HashSet<>(ackAttempted);
    System.out.printf("[it] before SIGKILL: %d sends acknowledged (%d failed by the kill), %d acks confirmed"
        + " (%d attempted)%n", acked.size(), sendsFailed.get(), confirmed.size(), attempted.size());
    assertTrue(confirmed.containsAll(confirmedBeforeDescribe));

    BrokerProcess second = startNode(data);
    SluiceClient c2 = connect(second, 3);
    assertEquals(4, c2.admin().describeTopic(topic).queueCount());
    ConsumerGroupInfo after = c2.admin().describeConsumerGroup(group, topic);
    assertWatermarksKept(before, after);

    // every acknowledged send survived, where its receipt said; unacknowledged ones may or may not
    Map<String, MessageView> all = readAll(c2, "verifiers", topic);
    Set<String> lost = new HashSet<>(acked.keySet());
    lost.removeAll(all.keySet());
    assertTrue(lost.isEmpty(), lost.size() + " of " + acked.size() + " acknowledged sends lost by SIGKILL: "
        + sample(lost));
    for (MessageView m : all.values()) {
      SendReceipt r = acked.get(m.messageId());
      if (r != null) {
        assertStoredAt(r, m);
      }
    }

    // the group resumes from its acks: no confirmed ack is redelivered; every acknowledged message
    // it did not (try to) ack is delivered
    Map<String, MessageView> resumed = readRest(c2, group, topic);
    Set<String> redelivered = intersection(resumed.keySet(), confirmed);
    assertTrue(redelivered.isEmpty(), redelivered.size() + " of " + confirmed.size()
        + " confirmed acks redelivered after SIGKILL: " + sample(redelivered));
    Set<String> missing = new HashSet<>(acked.keySet());
    missing.removeAll(resumed.keySet());
    missing.removeAll(attempted);
    assertTrue(missing.isEmpty(), missing.size() + " acknowledged, never acked messages not redelivered: "
        + sample(missing));
    System.out.printf("[it] after restart: %d stored, %d redelivered to the group (%d acks in flight at the kill)%n",
        all.size(), resumed.size(), attempted.size() - confirmed.size());
  }

  // ---------------------------------------------------------------------------------------------

  static void assertWatermarksKept(ConsumerGroupInfo before, ConsumerGroupInfo after) {
    System.out.println("[it] ack watermarks before " + watermarks(before) + ", after restart " + watermarks(after));
    assertTrue(before.queues().stream().mapToLong(QueueProgress::ackWatermark).sum() > 0,
        "the group had acked a prefix before the restart: " + before);
    Map<Integer, QueueProgress> byQueue = after.queues().stream()
        .collect(Collectors.toMap(QueueProgress::queueId, q -> q));
    for (QueueProgress b : before.queues()) {
      QueueProgress a = byQueue.get(b.queueId());
      assertTrue(a.ackWatermark() >= b.ackWatermark(), "ack watermark of queue " + b.queueId()
          + " went back from " + b.ackWatermark() + " to " + a.ackWatermark() + " across the restart");
      assertTrue(a.endOffset() >= b.endOffset(), "end offset of queue " + b.queueId()
          + " went back from " + b.endOffset() + " to " + a.endOffset());
    }
  }

  static Map<Integer, Long> watermarks(ConsumerGroupInfo g) {
    return g.queues().stream().collect(Collectors.toMap(QueueProgress::queueId, QueueProgress::ackWatermark));
  }

  static void assertStoredAt(SendReceipt receipt, MessageView m) {
    assertEquals(receipt.queueId(), m.queueId(), "queue of " + m.messageId());
    assertEquals(receipt.offset(), m.offset(), "offset of " + m.messageId());
  }

  /**
   * Reads every stored message with a new group, once each (long invisibility, no acks): until as
   * many distinct slots were delivered as the topic's queues hold.
   */
  static Map<String, MessageView> readAll(SluiceClient client, String group, String topic) {
    SimpleConsumer consumer = client.newSimpleConsumer(
        SimpleConsumerSettings.builder(group, topic).awaitDuration(Duration.ofSeconds(1)).build());
    Map<String, MessageView> byId = new HashMap<>();
    Set<String> slots = new HashSet<>();
    long[] stored = {-1};
    Await.until("every stored message read by " + group, Duration.ofSeconds(120), () -> {
      for (MessageView m : consumer.receive(512, Duration.ofMinutes(10))) {
        if (!slots.add(m.queueId() + "@" + m.offset())) {
          fail("queue " + m.queueId() + " offset " + m.offset() + " delivered twice to " + group);
        }
        MessageView other = byId.put(m.messageId(), m);
        if (other != null) {
          fail("message " + m.messageId() + " stored twice: queue " + other.queueId() + "@" + other.offset()
              + " and " + m.queueId() + "@" + m.offset());
        }
      }
      stored[0] = client.admin().describeConsumerGroup(group, topic).queues().stream()
          .mapToLong(QueueProgress::endOffset).sum();
      return slots.size() == stored[0];
    }, () -> slots.size() + " of " + stored[0]);
    return byId;
  }

  /**
   * Reads what a group has not acked, once each (long invisibility, no acks): until every queue's
   * read cursor reached its end and a receive comes back empty.
   */
  static Map<String, MessageView> readRest(SluiceClient client, String group, String topic) {
    SimpleConsumer consumer = client.newSimpleConsumer(
        SimpleConsumerSettings.builder(group, topic).awaitDuration(Duration.ofSeconds(1)).build());
    Map<String, MessageView> byId = new HashMap<>();
    ConsumerGroupInfo[] last = new ConsumerGroupInfo[1];
    Await.until("everything unacked read by " + group, Duration.ofSeconds(120), () -> {
      List<MessageView> got = consumer.receive(512, Duration.ofMinutes(10));
      for (MessageView m : got) {
        MessageView other = byId.put(m.messageId(), m);
        if (other != null) {
          fail("message " + m.messageId() + " delivered twice to " + group + " within its invisible time");
        }
      }
      if (!got.isEmpty()) {
        return false;
      }
      last[0] = client.admin().describeConsumerGroup(group, topic);
      return last[0].queues().stream().allMatch(q -> q.readCursor() == q.endOffset());
    }, () -> byId.size() + " read; progress " + last[0]);
    return byId;
  }

  static Set<String> intersection(Set<String> a, Set<String> b) {
    Set<String> both = new HashSet<>(a);
    both.retainAll(b);
    return both;
  }

  static String sample(Set<String> ids) {
    return ids.stream().limit(10).collect(Collectors.joining(", ")) + (ids.size() > 10 ? ", ..." : "");
  }
}
