package io.sluice.gateway.produce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InFlightBudgetTest {
  @Test
  void refusesWhatDoesNotFitAndTakesNothing() {
    InFlightBudget budget = new InFlightBudget(100);
    assertTrue(budget.tryAcquire(60));
    assertFalse(budget.tryAcquire(41));
    assertEquals(60, budget.used());
    assertTrue(budget.tryAcquire(40));
    budget.release(100);
    assertEquals(0, budget.used());
  }
}
