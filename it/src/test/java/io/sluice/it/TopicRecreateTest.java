package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.InvalidReceiptException;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.QueueProgress;
import io.sluice.client.SendReceipt;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SimpleConsumerSettings;
import io.sluice.client.SluiceClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #11, item 8: a topic deleted and created again starts empty. Before the fix its queues kept
 * their entity ids, so the old messages, the old groups' positions and the old receipts came back.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class TopicRecreateTest {
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

  static List<SendReceipt> send(Producer producer, String prefix, int count) {
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      messages.add(Message.builder().topic("again").body((prefix + i).getBytes(StandardCharsets.UTF_8)).build());
    }
    return producer.send(messages);
  }

  static SimpleConsumer consumer(String group) {
    return client.newSimpleConsumer(
        SimpleConsumerSettings.builder(group, "again").awaitDuration(Duration.ofSeconds(2)).build());
  }

  @Test
  void aTopicCreatedAgainIsEmptyForOldAndNewGroupsAndRefusesOldReceipts() {
    client.admin().createTopic("again", 2, MessageType.NORMAL);
    SimpleConsumer old = consumer("old");
    List<MessageView> held = new ArrayList<>();
    try (Producer producer = client.newProducer()) {
      send(producer, "before-", 10);
      // the old group acks some and holds some unacked
      Await.until("4 received", Duration.ofSeconds(60), () -> {
        held.addAll(old.receive(4 - held.size(), Duration.ofMinutes(5)));
        return held.size() >= 4;
      });
      old.ack(held.remove(0));
      old.ack(held.remove(0));

      client.admin().deleteTopic("again");
      client.admin().createTopic("again", 2, MessageType.NORMAL);

      for (String group : List.of("old", "new")) {
        for (QueueProgress q : client.admin().describeConsumerGroup(group, "again").queues()) {
          assertEquals(0, q.endOffset(), group + " sees an empty queue " + q);
          assertEquals(0, q.ackWatermark(), group + " starts at 0 on " + q);
        }
      }
      SimpleConsumer fresh = consumer("new");
      assertEquals(List.of(), fresh.receive(10, Duration.ofMinutes(5)), "nothing for a new group");
      assertEquals(List.of(), old.receive(10, Duration.ofMinutes(5)), "nothing for the old group");
      for (MessageView m : held) {
        assertThrows(InvalidReceiptException.class, () -> old.ack(m), "receipt of the deleted topic");
      }

      // offsets start at 0 again, and both groups get only the new messages
      List<SendReceipt> after = send(producer, "after-", 4);
      Set<String> afterIds = new HashSet<>();
      for (SendReceipt r : after) {
        afterIds.add(r.messageId());
      }
      assertTrue(after.stream().anyMatch(r -> r.offset() == 0), "offsets restart at 0: " + after);
      assertTrue(after.stream().allMatch(r -> r.offset() < 4), "offsets restart at 0: " + after);
      for (SimpleConsumer c : List.of(old, fresh)) {
        Set<String> got = new HashSet<>();
        Await.until(c.group() + " got the 4 new messages", Duration.ofSeconds(60), () -> {
          for (MessageView m : c.receive(10, Duration.ofMinutes(5))) {
            got.add(m.messageId());
            c.ack(m);
          }
          return got.size() >= 4;
        });
        assertEquals(afterIds, got, c.group() + " gets only the new incarnation's messages");
      }
      fresh.close();
    } finally {
      old.close();
    }
  }
}
