package io.sluice.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.MessageType;
import io.sluice.client.Message;
import io.sluice.client.Producer;
import io.sluice.client.Reason;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.gateway.health.BrokerReadinessCheck;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose disk is above the write limit for messages (here: a limit of 0, so any usage is
 * above it): a send fails at once with STORAGE_FULL (not BROKER_BUSY after the ask timeout),
 * readiness is false, and control writes such as creating a topic still work.
 */
class DiskLimitNodeTest {
  @TempDir static Path dir;
  static BrokerNode node;
  static SluiceClient client;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dir, "sluice.persistence.journal.disk-limits { max-used-ratio = 0.0, hard-max-used-ratio = 1.0 }");
    client = SluiceClient.builder().endpoints("127.0.0.1:" + node.grpcPort()).build();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    node.stop();
  }

  @Test
  void sendFailsAtOnceWithStorageFullAndTheNodeIsNotReady() throws Exception {
    client.admin().createTopic("full", 1, MessageType.NORMAL);
    try (Producer producer = client.newProducer()) {
      long started = System.nanoTime();
      SluiceException e = assertThrows(SluiceException.class, () -> producer.send(
          Message.builder().topic("full").body("x".getBytes(StandardCharsets.UTF_8)).build()));
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertEquals(Reason.STORAGE_FULL, e.reason(), e.toString());
      assertTrue(took.compareTo(GatewaySettings.from(node.system().settings().config()).askTimeout()) < 0,
          "refused before the ask timeout, took " + took);
    }
    BrokerReadinessCheck check = new BrokerReadinessCheck(Adapter.toClassic(node.system()));
    assertFalse(check.get().toCompletableFuture().get());
  }
}
