package io.sluice.bench.measure;

import org.HdrHistogram.Histogram;

/**
 * One measured window of one run.
 *
 * @param operations events (or raw writes) completed inside the window
 * @param payloadBytes payload bytes of those operations (1 KiB each)
 * @param logBytes bytes the CommitLog grew by in the window (record headers included), or -1 when
 *     the case has no store
 * @param nanos length of the window
 * @param latencyNanos latency of each completed unit (an append, a command, a write), or null
 */
public record Sample(
    long operations, long payloadBytes, long logBytes, long nanos, Histogram latencyNanos) {

  public double operationsPerSecond() {
    return operations * 1e9 / nanos;
  }

  /** Payload throughput in MB/s (10^6 bytes per second). */
  public double payloadMbPerSecond() {
    return payloadBytes * 1e3 / nanos;
  }

  /** CommitLog growth in MB/s, NaN without a store. */
  public double logMbPerSecond() {
    return logBytes < 0 ? Double.NaN : logBytes * 1e3 / nanos;
  }

  public double p50Micros() {
    return percentileMicros(50);
  }

  public double p99Micros() {
    return percentileMicros(99);
  }

  private double percentileMicros(double percentile) {
    if (latencyNanos == null || latencyNanos.getTotalCount() == 0) {
      return Double.NaN;
    }
    return latencyNanos.getValueAtPercentile(percentile) / 1e3;
  }
}
