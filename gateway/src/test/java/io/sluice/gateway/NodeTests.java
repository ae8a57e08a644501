package io.sluice.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.RawChunk;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** What the in-process node tests share: waiting on a condition, reading a whole CommitLog. */
final class NodeTests {
  private NodeTests() {}

  /** Polls {@code condition} every 50 ms; fails after 60 s. */
  static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "condition not met within 60 s");
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  /** The whole CommitLog as readRaw hands it out. */
  static byte[] rawLog(MessageStore store) throws Exception {
    return rawLog(store, store.minPosition());
  }

  /** The CommitLog from {@code from} as readRaw hands it out. */
  static byte[] rawLog(MessageStore store, long from) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long position = from;
    while (position < store.confirmedPosition()) {
      RawChunk chunk = store.readRaw(position, 1 << 20);
      ByteBuffer bytes = chunk.bytes();
      byte[] copy = new byte[bytes.remaining()];
      bytes.get(copy);
      out.write(copy);
      position = chunk.nextPosition();
    }
    return out.toByteArray();
  }
}
