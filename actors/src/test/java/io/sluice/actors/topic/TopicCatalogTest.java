package io.sluice.actors.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.protocol.v1.MessageType;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** TopicCatalog, Topics and TopicConfig without actors. */
class TopicCatalogTest {

  private static TopicConfig topic(String name, int queues) {
    return new TopicConfig(name, queues, MessageType.NORMAL, 0);
  }

  @Test
  void startsEmpty() {
    TopicCatalog catalog = new TopicCatalog();
    assertSame(Topics.EMPTY, catalog.snapshot());
    assertEquals(Optional.empty(), catalog.get("t"));
  }

  @Test
  void offerKeepsTheNewestVersionOnly() {
    TopicCatalog catalog = new TopicCatalog();
    Topics v1 = Topics.EMPTY.with(topic("a", 1));
    Topics v2 = v1.with(topic("b", 2));
    Topics v3 = v2.without("a");

    catalog.offer(v2);
    assertSame(v2, catalog.snapshot());
    catalog.offer(v1); // older: ignored
    assertSame(v2, catalog.snapshot());
    assertEquals(1, catalog.get("a").orElseThrow().queueCount());

    catalog.offer(v3);
    assertSame(v3, catalog.snapshot());
    assertEquals(Optional.empty(), catalog.get("a"));
    assertEquals(2, catalog.get("b").orElseThrow().queueCount());

    // same version again (a duplicate broadcast): the copy held is kept
    catalog.offer(new Topics(v3.version(), Map.of()));
    assertSame(v3, catalog.snapshot());
  }

  @Test
  void concurrentOffersEndWithTheNewest() throws Exception {
    TopicCatalog catalog = new TopicCatalog();
    Topics[] versions = new Topics[200];
    Topics t = Topics.EMPTY;
    for (int i = 0; i < versions.length; i++) {
      t = t.with(topic("t" + i, 1));
      versions[i] = t;
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch start = new CountDownLatch(1);
    try {
      for (int thread = 0; thread < 4; thread++) {
        int offset = thread;
        pool.execute(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            return;
          }
          // each thread offers every version, in a different order
          for (int i = 0; i < versions.length; i++) {
            catalog.offer(versions[(i * 7 + offset * 13) % versions.length]);
          }
        });
      }
      start.countDown();
    } finally {
      pool.shutdown();
      assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }
    assertSame(versions[versions.length - 1], catalog.snapshot());
  }

  @Test
  void topicsVersionGrowsWithEveryChangeAndIsImmutable() {
    Topics v1 = Topics.EMPTY.with(topic("a", 1));
    Topics v2 = v1.with(topic("a", 4));
    Topics v3 = v2.without("a");
    assertEquals(1, v1.version());
    assertEquals(2, v2.version());
    assertEquals(3, v3.version());
    assertEquals(1, v1.get("a").orElseThrow().queueCount(), "v1 is not changed by with()");
    assertEquals(4, v2.get("a").orElseThrow().queueCount());
    assertTrue(v3.byName().isEmpty());
    assertThrows(UnsupportedOperationException.class, () -> v1.byName().put("x", topic("x", 1)));
  }

  @Test
  void topicConfigValidatesAndDefaults() {
    assertThrows(IllegalArgumentException.class, () -> topic("t", 0));
    assertThrows(IllegalArgumentException.class, () -> topic("t", TopicConfig.MAX_QUEUE_COUNT + 1));
    assertThrows(IllegalArgumentException.class, () -> new TopicConfig("t", 1, MessageType.NORMAL, -1));
    assertEquals(TopicConfig.MAX_QUEUE_COUNT, topic("t", TopicConfig.MAX_QUEUE_COUNT).queueCount());
    assertEquals(MessageType.NORMAL, new TopicConfig("t", 1, null, 0).messageType());
    assertEquals(MessageType.NORMAL, new TopicConfig("t", 1, MessageType.MESSAGE_TYPE_UNSPECIFIED, 0).messageType());
    assertEquals(MessageType.FIFO, new TopicConfig("t", 1, MessageType.FIFO, 0).messageType());
    assertEquals("orders/3", topic("orders", 8).queueEntityId(3));
  }
}
