package io.sluice.it;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting on conditions (never on time alone): poll with a short pause, fail after a timeout. */
public final class Await {
  private static final long PAUSE_MS = 50;

  private Await() {}

  /**
   * Waits until {@code condition} holds.
   *
   * @param what the condition, for the failure message
   * @param timeout how long to wait at most
   * @param condition polled every 50 ms
   * @throws AssertionError if it does not hold within {@code timeout}
   */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    until(what, timeout, condition, () -> "");
  }

  /**
   * Waits until {@code condition} holds.
   *
   * @param what the condition, for the failure message
   * @param timeout how long to wait at most
   * @param condition polled every 50 ms
   * @param state describes the current state, appended to the failure message
   * @throws AssertionError if it does not hold within {@code timeout}
   */
  public static void until(
      String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting until " + what + ". "
            + state.get());
      }
      pause();
    }
  }

  /** A short pause between polls. */
  public static void pause() {
    try {
      Thread.sleep(PAUSE_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
