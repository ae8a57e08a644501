package io.sluice.actors.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void defaultGrowsGeometricallyFromTenSecondsToTwoHoursOverSixteenAttempts() {
    RetryPolicy p = RetryPolicy.DEFAULT;
    assertEquals(16, p.maxAttempts());
    // the schedule documented in the README and actors/README.md
    assertEquals(List.of(10_000L, 16_000L, 26_000L, 41_000L, 66_000L, 105_000L, 168_000L, 268_000L,
        429_000L, 687_000L, 1_099_000L, 1_758_000L, 2_813_000L, 4_500_000L, 7_200_000L), p.delaysMs());
    assertEquals(10_000, p.delayMsAfter(1));
    assertEquals(7_200_000, p.delayMsAfter(15));
    assertFalse(p.isLast(15));
    assertTrue(p.isLast(16));
  }

  @Test
  void customListRepeatsItsLastDelay() {
    RetryPolicy p = new RetryPolicy(5, List.of(100L, 300L));
    assertEquals(100, p.delayMsAfter(1));
    assertEquals(300, p.delayMsAfter(2));
    assertEquals(300, p.delayMsAfter(4));
    assertFalse(p.isLast(4));
    assertTrue(p.isLast(5));
  }

  @Test
  void oneAttemptDeadLettersAtTheFirstFailure() {
    assertTrue(new RetryPolicy(1, List.of(1L)).isLast(1));
  }

  @Test
  void refusesWhatMakesNoPolicy() {
    assertNull(RetryPolicy.problem(3, List.of(1L)));
    assertTrue(RetryPolicy.problem(0, List.of(1L)).contains("max attempts 0"));
    assertTrue(RetryPolicy.problem(1001, List.of(1L)).contains("outside 1 .. 1000"));
    assertTrue(RetryPolicy.problem(3, List.of()).contains("needs 1 .. 100 delays"));
    assertTrue(RetryPolicy.problem(3, List.of(100L, 0L)).contains("delay 2 is 0 ms"));
    assertTrue(RetryPolicy.problem(3, List.of(RetryPolicy.MAX_DELAY_MS + 1)).contains("delay 1"));
    assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(3, List.of(-5L)));
  }
}
