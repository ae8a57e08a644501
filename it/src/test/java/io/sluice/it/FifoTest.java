package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.ConsumeResult;
import io.sluice.client.InvalidArgumentException;
import io.sluice.client.Message;
import io.sluice.client.MessageListener;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.PushConsumer;
import io.sluice.client.PushConsumerSettings;
import io.sluice.client.RetryPolicy;
import io.sluice.client.Reason;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SimpleConsumerSettings;
import io.sluice.client.SluiceClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * FIFO topics on one node: message groups are consumed complete and in order by orderly push
 * consumers, also when the listener fails now and then; bad FIFO input is refused.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class FifoTest {
  @TempDir static Path tmp;
  @AutoClose static BrokerProcess node;
  @AutoClose static SluiceClient client;

  @BeforeAll
  static void start() {
    node = BrokerProcess.start(tmp.resolve("data"));
    // generous deadlines: the machine may be shared with other builds
    client = node.newClient();
  }

  /**
   * What the orderly listeners saw of each message group: the next sequence number whose first
   * successful processing is due, and every breach of order or of one-at-a-time.
   */
  static final class GroupLedger {
    final int[] nextDue;
    final AtomicBoolean[] busy;
    final List<String> breaches = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger failuresInjected = new AtomicInteger();
    final AtomicInteger redeliveries = new AtomicInteger();

    GroupLedger(int groups) {
      nextDue = new int[groups];
      busy = IntStream.range(0, groups).mapToObj(g -> new AtomicBoolean()).toArray(AtomicBoolean[]::new);
    }

    /** A listener that fails {@code failureRate} of its calls, half by RETRY and half by throwing. */
    MessageListener listener(double failureRate) {
      return m -> {
        int group = Integer.parseInt(m.messageGroup().substring("group-".length()));
        if (!busy[group].compareAndSet(false, true)) {
          breaches.add("two messages of " + m.messageGroup() + " at once: " + describe(m));
        }
        try {
          if (m.attempt() > 1) {
            redeliveries.incrementAndGet();
          }
          double roll = ThreadLocalRandom.current().nextDouble();
          if (roll < failureRate) {
            failuresInjected.incrementAndGet();
            if (roll < failureRate / 2) {
              return ConsumeResult.RETRY;
            }
            throw new IllegalStateException("injected failure");
          }
          processed(group, Integer.parseInt(new String(m.bodyBytes(), StandardCharsets.UTF_8)), m);
          return ConsumeResult.SUCCESS;
        } finally {
          busy[group].set(false);
        }
      };
    }

    private void processed(int group, int seq, MessageView m) {
      synchronized (nextDue) {
        if (seq == nextDue[group]) {
          nextDue[group]++;
        } else if (seq > nextDue[group]) {
          breaches.add("group-" + group + " processed " + seq + " before " + nextDue[group] + ": " + describe(m));
        }
        // seq below nextDue: a duplicate of an already processed message (at-least-once)
      }
    }

    boolean complete(int perGroup) {
      synchronized (nextDue) {
        return Arrays.stream(nextDue).allMatch(n -> n == perGroup);
      }
    }

    String progress() {
      synchronized (nextDue) {
        return "next due per group " + Arrays.toString(nextDue) + ", breaches " + breaches;
      }
    }

    private static String describe(MessageView m) {
      return m.messageGroup() + " queue " + m.queueId() + " offset " + m.offset() + " attempt " + m.attempt();
    }
  }

  @Test
  void hundredGroupsArriveCompleteAndInOrderThroughFailingOrderlyConsumers() throws Exception {
    String topic = "fifo-orders";
    int groups = 100;
    int perGroup = 200;
    int producers = 4;
    client.admin().createTopic(topic, 8, MessageType.FIFO);
    // failed messages come back after 10 ms instead of the default backoff (10 s and up); with 10 %
    // failures, 100 consecutive failures of one message are out of reach
    client.admin().setRetryPolicy("fulfilment",
        RetryPolicy.builder().delays(Duration.ofMillis(10)).maxAttempts(100).build());
    assertEquals(MessageType.FIFO, client.admin().describeTopic(topic).messageType());

    GroupLedger ledger = new GroupLedger(groups);
    List<PushConsumer> consumers = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(producers);
    try {
      for (int c = 0; c < 3; c++) {
        consumers.add(client.newPushConsumer(
            PushConsumerSettings.builder("fulfilment", topic).orderly(true).clientId("orderly-" + c)
                .invisibleDuration(Duration.ofSeconds(5)).build(),
            ledger.listener(0.10)));
      }
      // each producer owns a quarter of the groups and sends message i of each of its groups in one
      // batch, after the batch of i - 1 is stored: the order within a group is the send order
      List<Future<?>> sends = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        int producerIndex = p;
        sends.add(pool.submit(() -> {
          try (Producer producer = client.newProducer()) {
            for (int seq = 0; seq < perGroup; seq++) {
              List<Message> batch = new ArrayList<>();
              for (int g = producerIndex; g < groups; g += producers) {
                batch.add(Message.builder().topic(topic).messageGroup("group-" + g)
                    .body(Integer.toString(seq).getBytes(StandardCharsets.UTF_8)).build());
              }
              producer.send(batch);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : sends) {
        f.get();
      }
      Await.until("every group processed 0.." + (perGroup - 1), Duration.ofSeconds(90),
          () -> ledger.complete(perGroup) || !ledger.breaches.isEmpty(), ledger::progress);
    } finally {
      pool.shutdownNow();
      consumers.forEach(PushConsumer::close);
    }
    System.out.printf("FIFO: %d groups x %d messages in order; %d failures injected, %d redeliveries%n",
        groups, perGroup, ledger.failuresInjected.get(), ledger.redeliveries.get());
    assertEquals(List.of(), ledger.breaches);
    assertTrue(ledger.complete(perGroup), ledger::progress);
    assertTrue(ledger.failuresInjected.get() > 0, "failures were injected");
    assertTrue(ledger.redeliveries.get() > 0, "failed messages came back");
  }

  /** Receives until {@code count} messages came (failing after 30 s); returns them by body. */
  static Map<String, MessageView> receive(SimpleConsumer consumer, int count) {
    Map<String, MessageView> got = new HashMap<>();
    Await.until(count + " messages received", Duration.ofSeconds(30), () -> {
      consumer.receive(10, Duration.ofSeconds(30)).forEach(m -> got.put(new String(m.bodyBytes(), StandardCharsets.UTF_8), m));
      return got.size() >= count;
    }, got::toString);
    return got;
  }

  @Test
  void simpleConsumerGetsOneMessagePerGroupUntilItIsAcked() {
    client.admin().createTopic("fifo-simple", 1, MessageType.FIFO);
    try (Producer producer = client.newProducer()) {
      List<Message> batch = new ArrayList<>();
      for (String body : List.of("a0", "a1", "b0", "a2")) {
        batch.add(Message.builder().topic("fifo-simple").messageGroup(body.substring(0, 1))
            .body(body.getBytes(StandardCharsets.UTF_8)).build());
      }
      producer.send(batch);
    }
    try (SimpleConsumer consumer = client.newSimpleConsumer(
        SimpleConsumerSettings.builder("audit", "fifo-simple").awaitDuration(Duration.ofSeconds(1)).build())) {
      Map<String, MessageView> first = receive(consumer, 2);
      assertEquals(Set.of("a0", "b0"), first.keySet(), "b flows past a's waiting messages in the same queue");
      assertEquals(List.of(), consumer.receive(10, Duration.ofSeconds(30)), "a1 waits for a0");

      consumer.ack(first.get("a0"));
      Map<String, MessageView> second = receive(consumer, 1);
      assertEquals(Set.of("a1"), second.keySet());
      consumer.ack(second.get("a1"));
      assertEquals(Set.of("a2"), receive(consumer, 1).keySet());
    }
  }

  @Test
  void fifoMessageWithoutAGroupIsRefused() {
    client.admin().createTopic("fifo-strict", 2, MessageType.FIFO);
    try (Producer producer = client.newProducer()) {
      InvalidArgumentException refused = assertThrows(InvalidArgumentException.class,
          () -> producer.send(Message.builder().topic("fifo-strict").body(new byte[] {1}).build()));
      assertEquals(Reason.INVALID_ARGUMENT, refused.reason());
      assertTrue(refused.getMessage().contains("message group"), refused.getMessage());
    }
  }
}
