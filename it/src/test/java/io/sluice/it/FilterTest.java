package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.Filter;
import io.sluice.client.InvalidArgumentException;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.Reason;
import io.sluice.client.SendReceipt;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SimpleConsumerSettings;
import io.sluice.client.SluiceClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tag and SQL92 subscriptions receive exactly the matching messages, filtered on the broker; a
 * malformed SQL92 expression is refused with the position of the error.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class FilterTest {
  static final String TOPIC = "filtered-orders";
  static final int MESSAGES = 600;
  static final String[] TAGS = {"created", "paid", "shipped", ""};
  static final String[] REGIONS = {"eu", "us", "apac"};

  @TempDir static Path tmp;
  static BrokerProcess node;
  static SluiceClient client;
  /** What was sent: message id -> (tag, region, amount). */
  static final Map<String, Sent> sent = new java.util.concurrent.ConcurrentHashMap<>();

  record Sent(String tag, String region, int amount) {}

  @BeforeAll
  static void start() {
    node = BrokerProcess.start(tmp.resolve("data"));
    client = node.newClient();
    client.admin().createTopic(TOPIC, 4, MessageType.NORMAL);
    List<CompletableFuture<SendReceipt>> receipts = new ArrayList<>();
    List<Sent> order = new ArrayList<>();
    try (Producer producer = client.newProducer()) {
      for (int i = 0; i < MESSAGES; i++) {
        Sent s = new Sent(TAGS[i % TAGS.length], REGIONS[i % REGIONS.length], i);
        Message.Builder m = Message.builder().topic(TOPIC).body(new byte[] {1})
            .property("region", s.region()).property("amount", Integer.toString(s.amount()));
        if (!s.tag().isEmpty()) {
          m.tag(s.tag());
        }
        order.add(s);
        receipts.add(producer.sendAsync(m.build()).toCompletableFuture());
      }
    }
    for (int i = 0; i < MESSAGES; i++) {
      sent.put(receipts.get(i).join().messageId(), order.get(i));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    Closer.closeAll(client, node);
  }

  static Set<String> expected(Predicate<Sent> matches) {
    Set<String> ids = new HashSet<>();
    sent.forEach((id, s) -> {
      if (matches.test(s)) {
        ids.add(id);
      }
    });
    return ids;
  }

  /** Receives and acks until the group has nothing left to consume; returns the ids seen. */
  static Set<String> consume(String group, Filter filter, int expectedCount) {
    SimpleConsumer consumer = client.newSimpleConsumer(SimpleConsumerSettings.builder(group, TOPIC)
        .filter(filter).awaitDuration(Duration.ofSeconds(2)).build());
    Set<String> seen = new HashSet<>();
    List<String> deliveries = new ArrayList<>();
    Await.until(group + " receiving " + expectedCount + " messages", Duration.ofSeconds(60), () -> {
      for (MessageView m : consumer.receive(64, Duration.ofSeconds(30))) {
        deliveries.add(m.messageId());
        seen.add(m.messageId());
        consumer.ack(m);
      }
      return deliveries.size() >= expectedCount;
    });
    // nothing else is due: the rest of the topic was filtered out for this group
    assertEquals(List.of(), consumer.receive(64, Duration.ofSeconds(30)), group + ": more than expected");
    assertEquals(deliveries.size(), seen.size(), group + ": a message came twice");
    return seen;
  }

  @Test
  void tagSubscriptionGetsExactlyItsTags() {
    Set<String> want = expected(s -> s.tag().equals("paid") || s.tag().equals("shipped"));
    assertEquals(want, consume("by-tag", Filter.tag("paid || shipped"), want.size()));
  }

  @Test
  void sqlSubscriptionsGetExactlyTheMatchingMessages() {
    Set<String> euLarge = expected(s -> s.region().equals("eu") && s.amount() >= 300);
    assertEquals(euLarge, consume("eu-large", Filter.sql92("region = 'eu' AND amount >= 300"), euLarge.size()));

    Set<String> mixed = expected(s -> s.tag().equals("created") || s.amount() == 1 || s.amount() == 2
        || (s.tag().isEmpty() && s.amount() < 40));
    assertEquals(mixed, consume("mixed",
        Filter.sql92("TAGS = 'created' OR amount IN (1, 2) OR (TAGS IS NULL AND amount < 40)"), mixed.size()));

    Set<String> notUs = expected(s -> !s.region().equals("us") && s.amount() >= 100 && s.amount() <= 199);
    assertEquals(notUs, consume("not-us",
        Filter.sql92("region NOT IN ('us') AND amount BETWEEN 100 AND 199"), notUs.size()));

    assertTrue(euLarge.size() > 50 && mixed.size() > 100 && notUs.size() > 50, "the filters select something");
  }

  @Test
  void malformedSqlIsRefusedWithThePosition() {
    SimpleConsumer consumer = client.newSimpleConsumer(
        SimpleConsumerSettings.builder("bad-sql", TOPIC).filter(Filter.sql92("amount > 5 AND region =")).build());
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> consumer.receive(1, Duration.ofSeconds(10)));
    assertEquals(Reason.INVALID_FILTER, e.reason());
    assertTrue(e.getMessage().contains("at position 23"), e.getMessage());
  }
}
