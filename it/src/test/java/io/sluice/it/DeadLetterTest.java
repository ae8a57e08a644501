package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.ConsumeResult;
import io.sluice.client.DeadLetter;
import io.sluice.client.DeadLetterPage;
import io.sluice.client.InvalidArgumentException;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.Producer;
import io.sluice.client.PushConsumer;
import io.sluice.client.PushConsumerSettings;
import io.sluice.client.RetryPolicy;
import io.sluice.client.SluiceClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retries and dead letters on one node: a message failed on every attempt of the group's policy
 * lands in the group's dead-letter queue after exactly those attempts, is listed there, and after
 * a redrive is consumed normally once; other messages flow meanwhile.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class DeadLetterTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

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

  /** Waits until the group has settled (acked or dead-lettered) every message of the topic. */
  static void awaitSettled(String group, String topic) {
    Await.until(group + " settled everything on " + topic, WAIT, () -> client.admin()
        .describeConsumerGroup(group, topic).queues().stream()
        .allMatch(q -> q.ackWatermark() == q.endOffset() && q.inFlight() == 0));
  }

  /** Every dead letter of the group, read one per page. */
  static List<DeadLetter> allDeadLetters(String group, boolean newestFirst) {
    List<DeadLetter> all = new ArrayList<>();
    String token = null;
    do {
      DeadLetterPage page = client.admin().listDeadLetters(group, 1, newestFirst, token);
      all.addAll(page.deadLetters());
      token = page.nextPageToken().orElse(null);
    } while (token != null);
    return all;
  }

  @Test
  void failedOnEveryAttemptIsDeadLetteredListedAndRedrivenOnce() throws Exception {
    String topic = "payments";
    String group = "payers";
    client.admin().createTopic(topic, 2, MessageType.NORMAL);
    RetryPolicy policy = RetryPolicy.builder().maxAttempts(3)
        .delays(Duration.ofMillis(100), Duration.ofMillis(300)).build();
    assertEquals(policy, client.admin().setRetryPolicy(group, policy));
    assertEquals(policy, client.admin().retryPolicy(group));

    Map<String, List<Integer>> attempts = new ConcurrentHashMap<>();
    List<String> afterRedrive = new CopyOnWriteArrayList<>();
    Set<String> healed = ConcurrentHashMap.newKeySet();
    List<String> poison = new ArrayList<>();
    Set<String> good = new HashSet<>();
    try (PushConsumer consumer = client.newPushConsumer(
        PushConsumerSettings.builder(group, topic).invisibleDuration(Duration.ofSeconds(10)).build(),
        m -> {
          String body = new String(m.bodyBytes(), StandardCharsets.UTF_8);
          attempts.computeIfAbsent(m.messageId(), id -> new CopyOnWriteArrayList<>()).add(m.attempt());
          if (!body.startsWith("poison")) {
            return ConsumeResult.SUCCESS;
          }
          if (healed.contains(m.messageId())) {
            afterRedrive.add(m.messageId() + "#" + m.attempt());
            return ConsumeResult.SUCCESS;
          }
          return ConsumeResult.RETRY;
        })) {
      try (Producer producer = client.newProducer()) {
        for (int i = 0; i < 2; i++) {
          poison.add(producer.send(Message.builder().topic(topic).tag("bad").keys("poison-key-" + i)
              .property("order", Integer.toString(i))
              .body(("poison-" + i).getBytes(StandardCharsets.UTF_8)).build()).messageId());
        }
        for (int i = 0; i < 40; i++) {
          good.add(producer.send(Message.builder().topic(topic)
              .body(("good-" + i).getBytes(StandardCharsets.UTF_8)).build()).messageId());
        }
      }

      Await.until("both poison messages dead-lettered", WAIT, () -> allDeadLetters(group, false).size() == 2);
      // the other messages flowed, each once
      Await.until("every good message consumed", WAIT, () -> attempts.keySet().containsAll(good));
      good.forEach(id -> assertEquals(List.of(1), attempts.get(id), "attempts of " + id));
      // exactly the configured attempts, and no more after the move
      awaitSettled(group, topic);
      poison.forEach(id -> assertEquals(List.of(1, 2, 3), attempts.get(id), "attempts of " + id));

      List<DeadLetter> oldestFirst = allDeadLetters(group, false);
      List<DeadLetter> newestFirst = allDeadLetters(group, true);
      List<String> reversed = new ArrayList<>(oldestFirst.stream().map(d -> d.message().messageId()).toList());
      Collections.reverse(reversed);
      assertEquals(reversed, newestFirst.stream().map(d -> d.message().messageId()).toList());
      assertEquals(new HashSet<>(poison), new HashSet<>(oldestFirst.stream().map(d -> d.message().messageId()).toList()));
      for (DeadLetter d : oldestFirst) {
        assertEquals(topic, d.originalTopic());
        assertEquals(3, d.attempts());
        assertEquals("bad", d.message().tag());
        int i = poison.indexOf(d.message().messageId());
        assertEquals("poison-" + i, new String(d.message().bodyBytes(), StandardCharsets.UTF_8));
        assertEquals(List.of("poison-key-" + i), d.message().keys());
        assertEquals(Integer.toString(i), d.message().properties().get("order"));
        assertTrue(d.deadLetteredAt().toEpochMilli() > 0);
      }

      // redrive one selected message: consumed once as a new message, the other stays listed
      healed.addAll(poison);
      assertEquals(1, client.admin().redriveDeadLetters(group, List.of(poison.get(0))));
      List<DeadLetter> left = allDeadLetters(group, false);
      assertEquals(List.of(poison.get(1)), left.stream().map(d -> d.message().messageId()).toList());
      Await.until("the redriven message consumed", WAIT, () -> afterRedrive.size() == 1);
      assertEquals(List.of(poison.get(0) + "#1"), afterRedrive);

      // then all the rest
      assertEquals(1, client.admin().redriveDeadLetters(group, List.of()));
      assertEquals(List.of(), allDeadLetters(group, true));
      Await.until("both redriven messages consumed", WAIT, () -> afterRedrive.size() == 2);
      awaitSettled(group, topic);
      assertEquals(Set.of(poison.get(0) + "#1", poison.get(1) + "#1"), new HashSet<>(afterRedrive));
    }
  }

  @Test
  void badPoliciesAndUnknownDeadLettersAreRefused() {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> client.admin().setRetryPolicy("strict", RetryPolicy.builder().maxAttempts(0)
            .delays(Duration.ofMillis(100), Duration.ZERO).build()));
    assertTrue(e.getMessage().contains("delay 2 is 0 ms"), e.getMessage());
    e = assertThrows(InvalidArgumentException.class,
        () -> client.admin().redriveDeadLetters("strict", List.of("no-such-id")));
    assertTrue(e.getMessage().contains("no-such-id"), e.getMessage());
    e = assertThrows(InvalidArgumentException.class, () -> client.admin().listDeadLetters("strict", 5, false, "x"));
    assertTrue(e.getMessage().contains("page token"), e.getMessage());
    // the default applies when no policy was set
    RetryPolicy defaults = client.admin().retryPolicy("strict");
    assertEquals(16, defaults.maxAttempts());
    assertEquals(Duration.ofSeconds(10), defaults.delays().get(0));
    assertEquals(Duration.ofHours(2), defaults.delays().get(defaults.delays().size() - 1));
  }
}
