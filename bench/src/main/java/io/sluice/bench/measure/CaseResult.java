package io.sluice.bench.measure;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The runs of one throughput case. Every figure shown is the median over the runs, taken per figure
 * (so p99 is the median of the runs' p99s).
 *
 * @param name what the case does, as shown in the table
 * @param operationUnit what one operation is ("event", "write")
 * @param latencyOf what one latency sample spans ("append", "write", "persistAll(100)")
 * @param baseline the raw baseline it is compared with
 * @param samples one per run
 */
public record CaseResult(
    String name, String operationUnit, String latencyOf, Baseline baseline, List<Sample> samples) {

  public CaseResult {
    samples = List.copyOf(samples);
  }

  public double operationsPerSecond() {
    return median(Sample::operationsPerSecond);
  }

  public double minOperationsPerSecond() {
    return samples.stream().mapToDouble(Sample::operationsPerSecond).min().orElse(Double.NaN);
  }

  public double maxOperationsPerSecond() {
    return samples.stream().mapToDouble(Sample::operationsPerSecond).max().orElse(Double.NaN);
  }

  public double payloadMbPerSecond() {
    return median(Sample::payloadMbPerSecond);
  }

  public double logMbPerSecond() {
    return median(Sample::logMbPerSecond);
  }

  public double p50Micros() {
    return median(Sample::p50Micros);
  }

  public double p99Micros() {
    return median(Sample::p99Micros);
  }

  private double median(ToDoubleFunction<Sample> figure) {
    double[] values = samples.stream().mapToDouble(figure).toArray();
    if (values.length == 0) {
      return Double.NaN;
    }
    Arrays.sort(values);
    int mid = values.length / 2;
    return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  }
}
