package io.sluice.bench.e2e;

import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * One measured window of one scenario run.
 *
 * @param produced receipts that arrived inside the window
 * @param consumed first deliveries that reached a listener inside the window (-1: no consumers)
 * @param nanos length of the window
 * @param messageSize body bytes per message
 * @param ack produce-ack latency of the receipts in the window, ns
 * @param endToEnd produce-to-consume latency of the deliveries in the window, ns (null: none)
 * @param backlogStart messages acknowledged to producers and not yet seen by a listener, at the
 *     window start (-1: no consumers)
 * @param backlogEnd the same at the window end
 * @param groupLagEnd the group's lag as the broker reports it ({@code describeConsumerGroup}) right
 *     after the window (-1: unknown)
 * @param drainMillis after the producers stopped (all receipts in), how long until the listeners
 *     had seen every acknowledged message; -1 if not within the drain timeout
 * @param leftAfterDrain messages still not consumed when the drain ended
 * @param errors failed sends during the whole run
 * @param firstError the first failure, or null
 * @param redelivered deliveries with attempt above 1 during the whole run
 * @param cpu CPU use in the window
 * @param brokerGc broker GC pauses in the window: count, total ms, max ms
 * @param loadBefore {@code /proc/loadavg} before the broker started
 * @param loadAfter {@code /proc/loadavg} after the broker stopped
 * @param brokerProblems WARN/ERROR lines of the broker log
 */
record RunResult(
    long produced,
    long consumed,
    long nanos,
    int messageSize,
    Histogram ack,
    Histogram endToEnd,
    long backlogStart,
    long backlogEnd,
    long groupLagEnd,
    long drainMillis,
    long leftAfterDrain,
    long errors,
    String firstError,
    long redelivered,
    CpuClock.Usage cpu,
    long[] brokerGc,
    String loadBefore,
    String loadAfter,
    List<String> brokerProblems) {

  double producedPerSecond() {
    return produced * 1e9 / nanos;
  }

  double consumedPerSecond() {
    return consumed < 0 ? Double.NaN : consumed * 1e9 / nanos;
  }

  /** Payload MB/s (10^6 bytes) produced. */
  double producedMbPerSecond() {
    return producedPerSecond() * messageSize / 1e6;
  }

  double consumedMbPerSecond() {
    return consumedPerSecond() * messageSize / 1e6;
  }

  double ackMicros(double percentile) {
    return micros(ack, percentile);
  }

  double endToEndMicros(double percentile) {
    return micros(endToEnd, percentile);
  }

  /**
   * Whether the consumers kept up: at the window end they were less than one second of production
   * behind.
   */
  boolean keptUp() {
    return backlogEnd >= 0 && backlogEnd <= producedPerSecond();
  }

  private static double micros(Histogram h, double percentile) {
    if (h == null || h.getTotalCount() == 0) {
      return Double.NaN;
    }
    return h.getValueAtPercentile(percentile) / 1e3;
  }
}
