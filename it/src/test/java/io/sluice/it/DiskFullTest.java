package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.Reason;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SimpleConsumerSettings;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose data directory is a 32 MiB tmpfs (skipped where mounting is not permitted; always
 * unmounted): once the disk is above the write limit for messages, a send fails at once with
 * STORAGE_FULL and readiness is false, while consumers still receive and ack; when space is freed,
 * sends succeed and the node is ready again, without a restart.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class DiskFullTest {
  @TempDir Path tmp;
  Path data;
  boolean mounted;
  BrokerProcess node;
  SluiceClient client;

  @BeforeEach
  void mount() throws Exception {
    data = Files.createDirectories(tmp.resolve("data"));
    mounted = run("mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", data.toString()) == 0;
    Assumptions.assumeTrue(mounted, "mounting a tmpfs is not permitted here");
  }

  @AfterEach
  void unmount() throws Exception {
    if (client != null) {
      client.close();
    }
    if (node != null) {
      node.close();
    }
    if (mounted && run("umount", data.toString()) != 0) {
      run("umount", "-l", data.toString());
    }
  }

  private static int run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  private int readiness() throws Exception {
    return HealthTest.get(node.managementPort(), "/health/ready").statusCode();
  }

  private static List<Message> batch(String topic, int n) {
    List<Message> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      batch.add(Message.builder().topic(topic).body(new byte[1024]).build());
    }
    return batch;
  }

  @Test
  void refusesProduceAboveTheLimitServesConsumersAndRecoversWhenSpaceIsFreed() throws Exception {
    // Retention by disk usage off: here only freeing space by hand brings the disk down.
    node = BrokerProcess.start(data, "-Dsluice.persistence.journal.segment-size=1MiB",
        "-Dsluice.persistence.journal.retention.disk-usage-ratio=1.0");
    client = node.newClient();
    client.admin().createTopic("full", 1, MessageType.NORMAL);
    Path filler = data.resolve("filler");
    try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
      byte[] chunk = new byte[1024 * 1024];
      for (int i = 0; i < 24; i++) {
        f.write(chunk);
      }
    }
    assertEquals(200, readiness());

    SluiceException refused = null;
    Duration took = Duration.ZERO;
    try (Producer producer = client.newProducer()) {
      for (int i = 0; i < 100 && refused == null; i++) {
        long started = System.nanoTime();
        try {
          producer.send(batch("full", 100));
        } catch (SluiceException e) {
          refused = e;
          took = Duration.ofNanos(System.nanoTime() - started);
        }
      }
    }
    assertTrue(refused != null, "no send was refused");
    assertEquals(Reason.STORAGE_FULL, refused.reason(), refused.toString());
    assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "refused at once, took " + took);
    assertNotEquals(200, readiness(), "not ready while messages cannot be stored");

    try (SimpleConsumer consumer = client.newSimpleConsumer(
        SimpleConsumerSettings.builder("g", "full").awaitDuration(Duration.ofSeconds(2)).build())) {
      List<MessageView> got = consumer.receive(50, Duration.ofMinutes(5));
      assertTrue(!got.isEmpty(), "consumers still receive");
      got.forEach(consumer::ack);
    }

    Files.delete(filler);
    Await.until("ready again", Duration.ofSeconds(60), () -> {
      try {
        return readiness() == 200;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try (Producer producer = client.newProducer()) {
      assertEquals(100, producer.send(batch("full", 100)).size());
    }
    assertTrue(node.isAlive());
  }
}
