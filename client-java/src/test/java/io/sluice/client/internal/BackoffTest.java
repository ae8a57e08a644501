package io.sluice.client.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void delaysDoubleWithinTheUpperHalfAndStopAtTheMaximum() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000));
    for (int i = 0; i < 1000; i++) {
      long first = b.delayMs(1);
      long third = b.delayMs(3);
      long tenth = b.delayMs(10);
      assertTrue(first >= 50 && first <= 100, "first " + first);
      assertTrue(third >= 200 && third <= 400, "third " + third);
      assertTrue(tenth >= 500 && tenth <= 1000, "tenth " + tenth);
    }
  }
}
