package io.sluice.bench.e2e;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Recorder;

/** A latency recorder in nanoseconds, 3 significant digits, values clamped to [1 ns, 1 h]. */
final class Latency {
  private static final long MAX = TimeUnit.HOURS.toNanos(1);

  private final Recorder recorder = new Recorder(MAX, 3);

  void record(long nanos) {
    recorder.recordValue(Math.max(1, Math.min(MAX, nanos)));
  }

  /** What was recorded since the previous call (HdrHistogram's interval histogram). */
  org.HdrHistogram.Histogram interval() {
    return recorder.getIntervalHistogram();
  }
}
