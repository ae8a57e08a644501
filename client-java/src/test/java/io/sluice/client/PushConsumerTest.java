package io.sluice.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The push consumer against the in-test {@link FakeBroker}'s {@code Consume} stream. */
class PushConsumerTest {
  static final long WAIT_S = 60;
  static ActorSystem system;
  static FakeBroker broker;
  SluiceClient client;

  @BeforeAll
  static void startBroker() throws Exception {
    system = FakeBroker.serverSystem("push-consumer-test");
    broker = FakeBroker.start(system);
  }

  @AfterAll
  static void stopBroker() throws Exception {
    broker.stopWithSystem();
  }

  @BeforeEach
  void connect() {
    client = broker.clientBuilder().retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
  }

  @AfterEach
  void disconnect() {
    client.close();
  }

  static void await(CountDownLatch latch) throws InterruptedException {
    assertTrue(latch.await(WAIT_S, TimeUnit.SECONDS), "timed out waiting");
  }

  static int indexOf(MessageView m) {
    return Integer.parseInt(m.properties().get("index"));
  }

  @Test
  void neverHasMoreOutstandingDeliveriesThanItsCreditWindow() throws Exception {
    int window = 8;
    FakeBroker.ConsumeScript script = new FakeBroker.ConsumeScript("orders", 200, window);
    broker.consumeScript = script;
    PushConsumerSettings settings =
        PushConsumerSettings.builder("g-window", "orders")
            .consumptionThreads(2)
            .maxCachedMessages(window)
            .build();
    MessageListener listener =
        m -> {
          try {
            // hold the first messages until the broker has filled the whole window
            await(script.windowFull);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return ConsumeResult.SUCCESS;
        };
    try (PushConsumer consumer = client.newPushConsumer(settings, listener)) {
      assertEquals("orders", consumer.topic());
      await(script.allAcked);
    }
    assertEquals(window, script.maxOutstanding(), "the window is used but never exceeded");
    assertTrue(script.maxExposure() <= window, "credit granted never exceeds the window");
    assertEquals(200, script.acks());
    assertEquals(0, script.nacks());
    assertEquals(List.of(), script.invalidReceipts);
    assertEquals(30_000, script.subscribeInvisibleMs());
  }

  @Test
  void orderlyListenerTakesEachGroupOneAtATimeInDeliveryOrderAndGroupsInParallel()
      throws Exception {
    int groups = 3;
    FakeBroker.ConsumeScript script = new FakeBroker.ConsumeScript("orders", 60, 64);
    script.messageGroups = groups;
    broker.consumeScript = script;
    CountDownLatch everyGroupStarted = new CountDownLatch(groups);
    Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
    Map<String, AtomicBoolean> busy = new ConcurrentHashMap<>();
    List<String> overlaps = new CopyOnWriteArrayList<>();
    CountDownLatch overlapSeen = new CountDownLatch(1);
    MessageListener listener =
        m -> {
          AtomicBoolean groupBusy = busy.computeIfAbsent(m.messageGroup(), g -> new AtomicBoolean());
          if (!groupBusy.compareAndSet(false, true)) {
            overlaps.add(m.messageGroup() + " at " + indexOf(m));
            overlapSeen.countDown();
          }
          try {
            if (indexOf(m) < groups) {
              // the first message of each group waits for the others: only parallel groups get
              // on; then it stays a moment, so an idle thread would take the group's next message
              everyGroupStarted.countDown();
              await(everyGroupStarted);
              overlapSeen.await(200, TimeUnit.MILLISECONDS);
            }
            seen.computeIfAbsent(m.messageGroup(), g -> new CopyOnWriteArrayList<>()).add(indexOf(m));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            groupBusy.set(false);
          }
          return ConsumeResult.SUCCESS;
        };
    PushConsumerSettings settings =
        PushConsumerSettings.builder("g-orderly", "orders").consumptionThreads(4).orderly(true).build();
    PushConsumer consumer = client.newPushConsumer(settings, listener);
    try {
      await(script.allAcked);
    } finally {
      consumer.close();
    }
    assertEquals(List.of(), overlaps);
    for (int g = 0; g < groups; g++) {
      int group = g;
      List<Integer> expected =
          java.util.stream.IntStream.range(0, 60).filter(i -> i % groups == group).boxed().toList();
      assertEquals(expected, seen.get("group-" + g), "group-" + g + " in delivery order");
    }
  }

  @Test
  void retryResultsAndListenerExceptionsLeadToNacksAndRedelivery() throws Exception {
    FakeBroker.ConsumeScript script = new FakeBroker.ConsumeScript("orders", 20, 64);
    broker.consumeScript = script;
    Set<Integer> secondAttempts = ConcurrentHashMap.newKeySet();
    MessageListener listener =
        m -> {
          int i = indexOf(m);
          if (m.attempt() > 1) {
            secondAttempts.add(i);
          } else if (i % 5 == 0) {
            return ConsumeResult.RETRY;
          } else if (i % 5 == 1) {
            throw new IllegalStateException("listener bug on " + i);
          }
          return ConsumeResult.SUCCESS;
        };
    try (PushConsumer consumer = client.newPushConsumer("g-retry", "orders", listener)) {
      assertEquals("g-retry", consumer.group());
      await(script.allAcked);
    }
    assertEquals(8, script.nacks());
    assertEquals(20, script.acks());
    assertEquals(Set.of(0, 1, 5, 6, 10, 11, 15, 16), secondAttempts);
  }

  @Test
  void renewsWhileTheListenerRunsAndAcksWithTheNewHandle() throws Exception {
    FakeBroker.ConsumeScript script = new FakeBroker.ConsumeScript("orders", 1, 64);
    broker.consumeScript = script;
    List<String> handlesSeen = new CopyOnWriteArrayList<>();
    PushConsumerSettings settings =
        PushConsumerSettings.builder("g-renew", "orders")
            .invisibleDuration(Duration.ofSeconds(1))
            .build();
    MessageListener listener =
        m -> {
          handlesSeen.add(m.receiptHandle());
          try {
            // runs past half the invisible duration: only returns once a renewal was sent
            await(script.renewSeen);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          handlesSeen.add(m.receiptHandle());
          return ConsumeResult.SUCCESS;
        };
    try (PushConsumer consumer = client.newPushConsumer(settings, listener)) {
      assertEquals("orders", consumer.topic());
      await(script.allAcked);
    }
    assertTrue(script.renews() >= 1);
    assertEquals(1, script.acks());
    assertEquals(List.of(), script.invalidReceipts, "the ack used the renewed handle");
    assertEquals("h-0-1", handlesSeen.get(0));
    assertEquals(1000, script.subscribeInvisibleMs());
  }

  @Test
  void closeNacksWaitingMessagesAndWaitsForTheRunningListener() throws Exception {
    FakeBroker.ConsumeScript script = new FakeBroker.ConsumeScript("orders", 2, 2);
    broker.consumeScript = script;
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    PushConsumerSettings settings =
        PushConsumerSettings.builder("g-close", "orders")
            .consumptionThreads(1)
            .maxCachedMessages(2)
            .build();
    MessageListener listener =
        m -> {
          calls.incrementAndGet();
          started.countDown();
          try {
            await(release);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return ConsumeResult.SUCCESS;
        };
    PushConsumer consumer = client.newPushConsumer(settings, listener);
    await(started);
    Thread closer = new Thread(consumer::close, "closer");
    closer.start();
    // close() is waiting for the running listener once its thread parks with a timeout
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (closer.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    release.countDown();
    closer.join(TimeUnit.SECONDS.toMillis(WAIT_S));
    assertFalse(closer.isAlive(), "close() returned");
    assertEquals(1, calls.get(), "the waiting message was not handed to the listener");
    assertEquals(1, script.acks(), "the running listener's ack went out on the stream");
    assertEquals(1, script.nacks(), "the waiting message was nacked");
  }

  @Test
  void reconnectsAfterTheStreamFailsAndFinishesEveryMessage() throws Exception {
    FakeBroker.ConsumeScript script = new FakeBroker.ConsumeScript("orders", 30, 4, 10);
    broker.consumeScript = script;
    int streamsBefore = broker.consumeStreams.get();
    PushConsumerSettings settings =
        PushConsumerSettings.builder("g-reconnect", "orders")
            .consumptionThreads(2)
            .maxCachedMessages(4)
            .build();
    try (PushConsumer consumer = client.newPushConsumer(settings, m -> ConsumeResult.SUCCESS)) {
      assertEquals("g-reconnect", consumer.group());
      await(script.allAcked);
    }
    assertEquals(2, broker.consumeStreams.get() - streamsBefore, "one failure, one reconnect");
    assertTrue(script.maxOutstanding() <= 4, "the window holds across streams");
  }

  @Test
  void listenerSeesTheMessageFields() throws Exception {
    FakeBroker.ConsumeScript script = new FakeBroker.ConsumeScript("orders", 1, 64);
    broker.consumeScript = script;
    List<MessageView> seen = new CopyOnWriteArrayList<>();
    try (PushConsumer consumer =
        client.newPushConsumer(
            "g-fields",
            "orders",
            m -> {
              seen.add(m);
              return ConsumeResult.SUCCESS;
            })) {
      assertEquals("g-fields", consumer.group());
      await(script.allAcked);
    }
    MessageView m = seen.get(0);
    assertEquals("m-0", m.messageId());
    assertEquals("orders", m.topic());
    assertEquals(0, m.queueId());
    assertEquals(0, m.offset());
    assertEquals("TagA", m.tag());
    assertEquals(List.of("order-0"), m.keys());
    assertEquals("payload-0", new String(m.bodyBytes(), StandardCharsets.UTF_8));
    assertEquals(1, m.attempt());
    assertEquals(1_000L, m.bornTimestampMs());
    assertEquals(2_000L, m.storeTimestampMs());
  }
}
