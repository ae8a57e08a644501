package io.sluice.bench.measure;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Prints throughput cases as a fixed-width table, with ratios to the raw baselines. */
public final class ResultTable {
  private static final String ROW = "%-58s %6s %24s %9s %9s %12s %10s %10s  %s%n";

  private ResultTable() {}

  /**
   * Prints {@code cases}; ratios use {@code rawA} (MB/s) and {@code rawB} (writes/s) when those
   * were run, else show "-".
   */
  public static void print(
      PrintStream out, List<CaseResult> cases, CaseResult rawA, CaseResult rawB) {
    out.printf(
        Locale.ROOT,
        ROW,
        "case",
        "runs",
        "ops/s median (min..max)",
        "MB/s",
        "log MB/s",
        "vs raw",
        "p50",
        "p99",
        "latency of");
    out.println("-".repeat(160));
    for (CaseResult c : cases) {
      out.printf(
          Locale.ROOT,
          ROW,
          c.name(),
          c.samples().size(),
          String.format(
              Locale.ROOT,
              "%,.0f (%,.0f..%,.0f)",
              c.operationsPerSecond(),
              c.minOperationsPerSecond(),
              c.maxOperationsPerSecond()),
          String.format(Locale.ROOT, "%.1f", c.payloadMbPerSecond()),
          Double.isNaN(c.logMbPerSecond())
              ? "-"
              : String.format(Locale.ROOT, "%.1f", c.logMbPerSecond()),
          ratio(c, rawA, rawB),
          micros(c.p50Micros()),
          micros(c.p99Micros()),
          c.latencyOf());
    }
  }

  private static String ratio(CaseResult c, CaseResult rawA, CaseResult rawB) {
    switch (c.baseline()) {
      case RAW_A_MB_PER_SECOND:
        return rawA == null
            ? "-"
            : String.format(
                Locale.ROOT, "%.2fx A", c.payloadMbPerSecond() / rawA.payloadMbPerSecond());
      case RAW_B_OPERATIONS_PER_SECOND:
        return rawB == null
            ? "-"
            : String.format(
                Locale.ROOT, "%.1fx B", c.operationsPerSecond() / rawB.operationsPerSecond());
      default:
        return "(base)";
    }
  }

  /** Latency with a unit that keeps 3 significant figures readable. */
  public static String micros(double us) {
    if (Double.isNaN(us)) {
      return "-";
    }
    if (us < 1_000) {
      return String.format(Locale.ROOT, "%.0f us", us);
    }
    if (us < 1_000_000) {
      return String.format(Locale.ROOT, "%.2f ms", us / 1e3);
    }
    return String.format(Locale.ROOT, "%.2f s", us / 1e6);
  }
}
