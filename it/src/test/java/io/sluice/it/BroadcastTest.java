package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.ConsumeResult;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.Producer;
import io.sluice.client.PushConsumer;
import io.sluice.client.PushConsumerSettings;
import io.sluice.client.SendReceipt;
import io.sluice.client.SluiceClient;
import io.sluice.client.StartPosition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broadcasting: every member receives every message and keeps its own position, also across a
 * restart; a new member starts at the latest position unless it asks for the earliest.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class BroadcastTest {
  static final String TOPIC = "news";
  static final String GROUP = "dashboards";
  static final int MESSAGES = 5_000;

  @TempDir static Path tmp;
  static BrokerProcess node;
  static SluiceClient client;
  static final Map<String, Set<String>> seen = new ConcurrentHashMap<>();
  static final List<PushConsumer> consumers = new ArrayList<>();

  @BeforeAll
  static void start() {
    node = BrokerProcess.start(tmp.resolve("data"));
    client = node.newClient();
    client.admin().createTopic(TOPIC, 4, MessageType.NORMAL);
  }

  @AfterAll
  static void stop() throws Exception {
    List<AutoCloseable> all = new ArrayList<>(consumers);
    all.add(client);
    all.add(node);
    Closer.closeAll(all.toArray(AutoCloseable[]::new));
  }

  static PushConsumer member(String clientId, StartPosition start) {
    Set<String> ids = seen.computeIfAbsent(clientId, id -> ConcurrentHashMap.newKeySet());
    PushConsumer consumer = client.newPushConsumer(
        PushConsumerSettings.builder(GROUP, TOPIC).broadcasting().clientId(clientId).startPosition(start)
            .maxCachedMessages(256).build(),
        m -> {
          ids.add(m.messageId());
          return ConsumeResult.SUCCESS;
        });
    consumers.add(consumer);
    return consumer;
  }

  static Set<String> send(Producer producer, String prefix, int n) {
    List<CompletableFuture<SendReceipt>> receipts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      receipts.add(producer.sendAsync(Message.builder().topic(TOPIC)
          .body((prefix + i).getBytes(StandardCharsets.UTF_8)).build()).toCompletableFuture());
    }
    Set<String> ids = new HashSet<>();
    receipts.forEach(r -> ids.add(r.join().messageId()));
    return ids;
  }

  static void awaitAll(String member, Set<String> ids) {
    Await.until(member + " has all " + ids.size() + " messages", Duration.ofSeconds(90),
        () -> seen.get(member).containsAll(ids),
        () -> member + " has " + seen.get(member).size());
  }

  @Test
  void everyMemberGetsEveryMessageAndARestartedMemberResumes() {
    member("m1", StartPosition.EARLIEST);
    PushConsumer m2 = member("m2", StartPosition.EARLIEST);
    member("m3", StartPosition.EARLIEST);
    Set<String> sent;
    try (Producer producer = client.newProducer()) {
      sent = send(producer, "news-", MESSAGES);
    }

    // m2 stops part-way and comes back under the same client id: it resumes from its own position
    Await.until("m2 is part-way", Duration.ofSeconds(60), () -> seen.get("m2").size() >= MESSAGES / 4);
    m2.close();
    consumers.remove(m2);
    int beforeRestart = seen.get("m2").size();
    member("m2", StartPosition.EARLIEST);

    for (String m : List.of("m1", "m2", "m3")) {
      awaitAll(m, sent);
      assertEquals(sent, seen.get(m), m + " got messages that were not sent");
    }
    assertTrue(beforeRestart < MESSAGES, "m2 restarted before it had everything: " + beforeRestart);

    // a new member starts at the latest position by default: nothing of the earlier messages
    member("m4", StartPosition.DEFAULT);
    Set<String> later = new HashSet<>();
    try (Producer producer = client.newProducer()) {
      // until m4's subscription is in place, markers may or may not reach it; afterwards all do
      Await.until("m4 receives a marker", Duration.ofSeconds(60), () -> {
        later.addAll(send(producer, "marker-", 1));
        return !seen.get("m4").isEmpty();
      });
      Set<String> after = send(producer, "after-", 10);
      later.addAll(after);
      awaitAll("m4", after);
    }
    assertTrue(later.containsAll(seen.get("m4")), "m4 received messages from before it joined");
    // and the others got those too
    awaitAll("m1", later);
  }

  @Test
  void broadcastingNeedsAStableClientId() {
    assertThrows(IllegalStateException.class,
        () -> PushConsumerSettings.builder(GROUP, TOPIC).broadcasting().build());
  }
}
