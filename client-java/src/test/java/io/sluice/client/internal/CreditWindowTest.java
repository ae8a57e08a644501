package io.sluice.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CreditWindowTest {
  @Test
  void grantsTheWholeWindowOnAFreshStream() {
    CreditWindow w = new CreditWindow(64);
    w.onSessionStart();
    assertEquals(64, w.grant());
    assertEquals(0, w.grant());
  }

  @Test
  void returnsCreditInChunksOfAQuarterWindow() {
    CreditWindow w = new CreditWindow(8);
    w.grant();
    for (int i = 0; i < 8; i++) {
      assertTrue(w.onDelivery());
    }
    w.onSettled();
    assertEquals(0, w.grant(), "one free slot is less than a chunk of 2");
    w.onSettled();
    assertEquals(2, w.grant());
  }

  @Test
  void countsMessagesStillProcessingAgainstTheNextStream() {
    CreditWindow w = new CreditWindow(8);
    w.grant();
    for (int i = 0; i < 5; i++) {
      w.onDelivery();
    }
    w.onSessionStart(); // the old stream died with 3 unused credits and 5 messages processing
    assertEquals(3, w.grant());
    assertEquals(8, w.outstanding());
  }

  @Test
  void flagsDeliveriesBeyondTheCredit() {
    CreditWindow w = new CreditWindow(1);
    w.grant();
    assertTrue(w.onDelivery());
    assertFalse(w.onDelivery());
  }

  @Test
  void outstandingNeverExceedsTheWindowUnderRandomTraffic() {
    SplittableRandom random = new SplittableRandom(42);
    CreditWindow w = new CreditWindow(16);
    int brokerCredit = w.grant();
    for (int step = 0; step < 100_000; step++) {
      int action = random.nextInt(3);
      if (action == 0 && brokerCredit > 0) {
        brokerCredit--;
        w.onDelivery();
      } else if (action == 1 && w.inProcess() > 0) {
        w.onSettled();
        brokerCredit += w.grant();
      } else if (action == 2 && random.nextInt(1000) == 0) {
        w.onSessionStart();
        brokerCredit = w.grant();
      }
      assertTrue(w.outstanding() <= 16, "outstanding " + w.outstanding());
      assertTrue(w.inProcess() + brokerCredit <= 16);
    }
  }
}
