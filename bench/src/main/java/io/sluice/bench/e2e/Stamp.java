package io.sluice.bench.e2e;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The first 8 bytes of every body carry {@link System#nanoTime()} taken just before the message
 * was built and sent; producers and consumers run in the same JVM, so a consumer subtracts it from
 * its own {@code nanoTime()} for the produce-to-consume latency. The rest of the body is random.
 */
final class Stamp {
  private Stamp() {}

  static byte[] randomBody(int size) {
    byte[] body = new byte[size];
    ThreadLocalRandom.current().nextBytes(body);
    return body;
  }

  static void write(byte[] body, long nanoTime) {
    ByteBuffer.wrap(body).putLong(0, nanoTime);
  }

  static long read(ByteBuffer body) {
    return body.getLong(body.position());
  }
}
