package io.sluice.bench.measure;

import java.time.Duration;

/** Runs a {@link Load} through a warm-up and one measured window. */
public final class Measurement {
  private Measurement() {}

  /**
   * Starts {@code load}, lets it warm up, counts what completes during {@code window}, then stops
   * it. The load is stopped even if measuring fails.
   */
  public static Sample measure(Load load, Duration warmUp, Duration window) throws Exception {
    load.start();
    try {
      Thread.sleep(warmUp.toMillis());
      long ops0 = load.completedOperations();
      long log0 = load.logPosition();
      load.latency().getIntervalHistogram();
      long t0 = System.nanoTime();
      Thread.sleep(window.toMillis());
      long ops1 = load.completedOperations();
      long log1 = load.logPosition();
      long t1 = System.nanoTime();
      var histogram = load.latency().getIntervalHistogram();
      long ops = ops1 - ops0;
      return new Sample(
          ops,
          ops * load.payloadBytesPerOperation(),
          log0 < 0 ? -1 : log1 - log0,
          t1 - t0,
          histogram);
    } finally {
      load.stop();
    }
  }
}
