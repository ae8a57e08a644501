package io.sluice.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.ConsumeResult;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.PushConsumer;
import io.sluice.client.SendReceipt;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SluiceClient;
import io.sluice.client.TopicNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeSmokeTest {
  @TempDir static Path dir;
  static BrokerNode node;
  static SluiceClient client;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dir, "");
    client = SluiceClient.builder().endpoints("127.0.0.1:" + node.grpcPort()).build();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    node.stop();
  }

  private static Message text(String topic, String body) {
    return Message.builder().topic(topic).body(body.getBytes(StandardCharsets.UTF_8)).build();
  }

  @Test
  void sendThenReceiveAndAck() {
    client.admin().createTopic("smoke", 4, MessageType.NORMAL);
    try (Producer producer = client.newProducer()) {
      for (int i = 0; i < 20; i++) {
        SendReceipt r = producer.send(text("smoke", "m" + i));
        assertEquals("smoke", r.topic());
      }
    }
    SimpleConsumer consumer = client.newSimpleConsumer("g1", "smoke");
    Set<String> bodies = ConcurrentHashMap.newKeySet();
    while (bodies.size() < 20) {
      for (MessageView m : consumer.receive(16, Duration.ofSeconds(30))) {
        assertTrue(bodies.add(new String(m.bodyBytes(), StandardCharsets.UTF_8)), "duplicate " + m.messageId());
        consumer.ack(m);
      }
    }
    consumer.close();
  }

  @Test
  void pipelinedSendsReachAPushConsumer() throws Exception {
    client.admin().createTopic("push", 4, MessageType.NORMAL);
    int count = 2_000;
    CountDownLatch received = new CountDownLatch(count);
    Set<String> ids = ConcurrentHashMap.newKeySet();
    try (PushConsumer consumer = client.newPushConsumer("g2", "push", m -> {
          if (ids.add(m.messageId())) {
            received.countDown();
          }
          return ConsumeResult.SUCCESS;
        });
        Producer producer = client.newProducer()) {
      List<java.util.concurrent.CompletableFuture<SendReceipt>> sent = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        sent.add(producer.sendAsync(text("push", "p" + i)).toCompletableFuture());
      }
      for (var f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
      assertTrue(received.await(60, TimeUnit.SECONDS), "received " + (count - received.getCount()));
    }
  }

  @Test
  void concurrentSyncSendsGetDistinctOffsetsInSendOrderPerQueue() throws Exception {
    client.admin().createTopic("sync-threads", 4, MessageType.NORMAL);
    int threads = 16;
    int perThread = 25;
    Set<String> stored = ConcurrentHashMap.newKeySet();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    try (Producer producer = client.newProducer()) {
      List<java.util.concurrent.Future<?>> senders = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        senders.add(pool.submit(() -> {
          long[] lastOffsetByQueue = {-1, -1, -1, -1};
          for (int i = 0; i < perThread; i++) {
            Message m = text("sync-threads", thread + "-" + i);
            SendReceipt r = producer.send(m);
            assertEquals(m.messageId(), r.messageId());
            assertTrue(r.offset() > lastOffsetByQueue[r.queueId()], "one thread's sends keep their order in a queue");
            lastOffsetByQueue[r.queueId()] = r.offset();
            assertTrue(stored.add(r.queueId() + "/" + r.offset()), "position given twice: " + r);
          }
          return null;
        }));
      }
      for (var f : senders) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(threads * perThread, stored.size());
  }

  @Test
  void healthEndpointsAnswer() throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    for (String path : List.of("/health/ready", "/health/alive")) {
      var response = http.send(
          java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + node.managementPort() + path)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode(), path + ": " + response.body());
    }
  }

  @Test
  void unknownTopicIsRefused() {
    try (Producer producer = client.newProducer()) {
      assertThrows(TopicNotFoundException.class, () -> producer.send(text("nope", "x")));
    }
  }
}
