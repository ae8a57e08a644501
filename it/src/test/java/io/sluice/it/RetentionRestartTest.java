package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.ConsumerGroupInfo;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.SendReceipt;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SimpleConsumerSettings;
import io.sluice.client.SluiceClient;
import io.sluice.client.TopicInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with small CommitLog segments and a retention that deletes every segment but the active
 * one (disk-usage ratio 0): once retention has gone past every segment that held the topic
 * registry's, the consumer group's and the delay timer's events, a restart still finds the
 * topics, the group's ack position and the pending delayed message.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class RetentionRestartTest {
  static final String[] SMALL_SEGMENTS_AND_EAGER_RETENTION = {
      "-Dsluice.persistence.journal.segment-size=256KiB",
      "-Dsluice.persistence.journal.retention.disk-usage-ratio=0.0",
      "-Dsluice.persistence.journal.retention.check-interval=1s"};

  @TempDir Path tmp;
  final List<BrokerProcess> nodes = new ArrayList<>();
  final List<SluiceClient> clients = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    clients.forEach(c -> {
      try {
        c.close();
      } catch (RuntimeException e) {
        // the node may be gone
      }
    });
    nodes.forEach(BrokerProcess::close);
  }

  private SluiceClient start(Path data) {
    BrokerProcess node = BrokerProcess.start(data, SMALL_SEGMENTS_AND_EAGER_RETENTION);
    nodes.add(node);
    SluiceClient client = node.newClient();
    clients.add(client);
    return client;
  }

  private static Set<String> segments(Path data) throws Exception {
    try (Stream<Path> files = Files.list(data.resolve("store").resolve("commitlog"))) {
      return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  @Test
  void topicsGroupPositionsAndDelayedMessagesSurviveRetentionAndARestart() throws Exception {
    Path data = tmp.resolve("data");
    SluiceClient c1 = start(data);
    c1.admin().createTopic("keep", 1, MessageType.NORMAL);
    c1.admin().createTopic("later", 1, MessageType.DELAY);
    c1.admin().createTopic("filler", 1, MessageType.NORMAL);

    SendReceipt delayed;
    try (Producer producer = c1.newProducer()) {
      List<Message> batch = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        batch.add(Message.builder().topic("keep").body(("keep-" + i).getBytes()).build());
      }
      producer.send(batch);
      delayed = producer.send(Message.builder().topic("later").deliveryTimestamp(Instant.now().plus(Duration.ofHours(1)))
          .body("in an hour".getBytes()).build());
    }
    List<MessageView> received = new ArrayList<>();
    try (SimpleConsumer consumer = c1.newSimpleConsumer(
        SimpleConsumerSettings.builder("g", "keep").awaitDuration(Duration.ofSeconds(2)).build())) {
      Await.until("20 received", Duration.ofSeconds(60), () -> {
        received.addAll(consumer.receive(20 - received.size(), Duration.ofMinutes(5)));
        return received.size() >= 20;
      });
      received.sort(Comparator.comparingLong(MessageView::offset));
      received.subList(0, 10).forEach(consumer::ack);
    }
    ConsumerGroupInfo before = c1.admin().describeConsumerGroup("g", "keep");
    assertEquals(10, before.queues().get(0).ackWatermark(), before.toString());

    Set<String> early = segments(data);
    try (Producer producer = c1.newProducer()) {
      Await.until("retention went past every early segment", Duration.ofSeconds(120), () -> {
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          batch.add(Message.builder().topic("filler").body(new byte[2048]).build());
        }
        producer.send(batch);
        try {
          return segments(data).stream().noneMatch(early::contains);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }

    BrokerProcess first = nodes.get(0);
    first.sigterm();
    first.waitFor(Duration.ofSeconds(60));
    SluiceClient c2 = start(data);

    Set<String> topics = c2.admin().listTopics().stream().map(TopicInfo::name).collect(Collectors.toSet());
    assertEquals(Set.of("keep", "later", "filler"), topics);
    ConsumerGroupInfo after = c2.admin().describeConsumerGroup("g", "keep");
    assertEquals(10, after.queues().get(0).ackWatermark(), after.toString());
    c2.admin().cancelDelayedMessage("later", delayed.messageId());
    assertTrue(nodes.get(1).isAlive());
  }
}
