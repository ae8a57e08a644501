package io.sluice.bench;

import io.sluice.bench.recovery.OpenTiming;
import io.sluice.bench.recovery.RecoveryCase;
import io.sluice.bench.recovery.RecoveryFiller;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Runs the recovery cycles (plain events, then keyed ones) and prints their table. */
final class RecoveryReport {
  private static final double TARGET_MS = 5_000;
  private static final String ROW = "%-22s %-10s %-24s %14s %14s %14s %8s %9s %9s %10s %4s%n";

  private final BenchOptions options;
  private final PrintStream out;

  RecoveryReport(BenchOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  void run(Scratch scratch) throws Exception {
    RecoveryCase recovery = new RecoveryCase(options.recoveryBytes());
    List<RecoveryCase.Fill> plain = cycles(scratch, recovery, options.recoveryRuns(), false);
    List<RecoveryCase.Fill> keyed = cycles(scratch, recovery, options.keyedRecoveryRuns(), true);
    out.println();
    out.printf(
        Locale.ROOT,
        "RECOVERY of %d MiB of 1 KiB events, %d persistence ids, reference settings (async,"
            + " checkpoint every 1 s)%n",
        options.recoveryBytes() >> 20,
        RecoveryFiller.IDS);
    out.print(
        """
        open ms: median (each run). Other columns come from one run, the one with the median crash
        open: checkpoint on disk before the open, recovery() (scannedFrom, end, MiB scanned,
        records, discarded bytes), events held after the open (sum of highest sequence nrs) and
        ids whose last event failed to read back ("bad"). The log was just written, so the page
        cache is warm, except in "checkpoint del., cold", where the log files were synced and
        evicted (dd iflag=nocache) first: that scan reads the disk.
        """);
    out.printf(
        Locale.ROOT,
        ROW,
        "open",
        "events",
        "open ms median (runs)",
        "checkpoint at",
        "scannedFrom",
        "end",
        "MiB",
        "records",
        "discarded",
        "events held",
        "bad");
    out.println("-".repeat(160));
    printRows(plain, "plain");
    printRows(keyed, "key-tagged");
    out.println();
    out.println("TARGETS");
    if (!plain.isEmpty()) {
      double crash = medianRun(plain, 0).millis();
      out.printf(
          Locale.ROOT,
          "  %-52s %.0f ms (target <= 5000 ms)  %s%n",
          "open after SIGKILL, " + (options.recoveryBytes() >> 20) + " MiB",
          crash,
          crash <= TARGET_MS ? "MET" : "MISSED");
    }
  }

  private List<RecoveryCase.Fill> cycles(
      Scratch scratch, RecoveryCase recovery, int runs, boolean keyed) throws Exception {
    List<RecoveryCase.Fill> fills = new ArrayList<>();
    for (int run = 1; run <= runs; run++) {
      Path dir = scratch.newRunDir(keyed ? "recovery-keyed" : "recovery");
      try {
        RecoveryCase.Fill fill = recovery.run(dir, keyed);
        fills.add(fill);
        out.printf(
            Locale.ROOT,
            "recovery %s run %d/%d: child %s; opens %s%n",
            keyed ? "key-tagged" : "plain",
            run,
            runs,
            fill.childReport(),
            fill.opens().stream()
                .map(o -> String.format(Locale.ROOT, "%s %.0f ms", o.step(), o.millis()))
                .collect(Collectors.joining(", ")));
      } finally {
        Scratch.delete(dir);
      }
    }
    return fills;
  }

  private void printRows(List<RecoveryCase.Fill> fills, String events) {
    if (fills.isEmpty()) {
      return;
    }
    RecoveryCase.Fill shown = medianFill(fills);
    for (int step = 0; step < shown.opens().size(); step++) {
      final int s = step;
      OpenTiming median = medianRun(fills, s);
      OpenTiming detail = shown.opens().get(s);
      String runs =
          fills.stream()
              .map(f -> String.format(Locale.ROOT, "%.0f", f.opens().get(s).millis()))
              .collect(Collectors.joining(", "));
      out.printf(
          Locale.ROOT,
          ROW,
          detail.step(),
          events,
          String.format(Locale.ROOT, "%.0f (%s)", median.millis(), runs),
          detail.checkpointPosition() < 0
              ? "none"
              : String.format(Locale.ROOT, "%,d", detail.checkpointPosition()),
          String.format(Locale.ROOT, "%,d", detail.result().scannedFrom()),
          String.format(Locale.ROOT, "%,d", detail.result().end()),
          String.format(Locale.ROOT, "%.1f", detail.scannedBytes() / 1048576.0),
          String.format(Locale.ROOT, "%,d", detail.result().records()),
          String.format(Locale.ROOT, "%,d", detail.result().discardedBytes()),
          String.format(Locale.ROOT, "%,d", detail.eventsHeld()),
          Integer.toString(detail.unreadableLastEvents()));
    }
  }

  /** The run whose crash open took the median time; its recovery() details are shown. */
  private static RecoveryCase.Fill medianFill(List<RecoveryCase.Fill> fills) {
    List<RecoveryCase.Fill> sorted =
        fills.stream()
            .sorted(Comparator.comparingLong(f -> f.opens().get(0).nanos()))
            .collect(Collectors.toList());
    return sorted.get(sorted.size() / 2);
  }

  /** The open at {@code step} of the run with the median time for that step. */
  private static OpenTiming medianRun(List<RecoveryCase.Fill> fills, int step) {
    List<OpenTiming> sorted =
        fills.stream()
            .map(f -> f.opens().get(step))
            .sorted(Comparator.comparingLong(OpenTiming::nanos))
            .collect(Collectors.toList());
    return sorted.get(sorted.size() / 2);
  }
}
