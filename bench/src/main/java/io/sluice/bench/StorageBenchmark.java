package io.sluice.bench;

import io.sluice.bench.engine.BenchEvents;
import io.sluice.bench.engine.BlockingAppendLoad;
import io.sluice.bench.engine.PipelinedAppendLoad;
import io.sluice.bench.measure.Baseline;
import io.sluice.bench.measure.CaseResult;
import io.sluice.bench.measure.Load;
import io.sluice.bench.measure.Measurement;
import io.sluice.bench.measure.ResultTable;
import io.sluice.bench.measure.Sample;
import io.sluice.bench.pekko.PekkoJournalLoad;
import io.sluice.bench.raw.RawBaselines;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The storage benchmark: raw baselines, the engine's append API, the Pekko journal and recovery,
 * all with 1 KiB events in one process so the ratios compare like with like. Throughput cases run
 * round-robin (run 1 of every case, then run 2, ...) so background load spreads over all cases.
 */
public final class StorageBenchmark {
  private static final long SEGMENT_SIZE_BYTES = 1L << 30;
  private static final int IN_FLIGHT = 1024;
  private static final int MANY = 64;
  private static final int PEKKO_BATCH = 100;

  private final BenchOptions options;
  private final PrintStream out;
  private final byte[] payload = BenchEvents.payload();

  public StorageBenchmark(BenchOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  /** One throughput case: how to run it once in a fresh directory. */
  private record Case(
      String group, String name, String unit, String latencyOf, Baseline baseline, Runner runner) {}

  @FunctionalInterface
  private interface Runner {
    Sample run(Path dir) throws Exception;
  }

  public void run() throws Exception {
    long started = System.nanoTime();
    try (Scratch scratch = new Scratch(options.dir())) {
      MachineFacts.print(out, scratch.root());
      out.printf(
          Locale.ROOT,
          "settings:   warm-up %d ms, measured %d ms, %d run(s) per case; 1 KiB events; "
              + "segment-size 1 GiB; groups %s%n",
          options.warmUp().toMillis(),
          options.window().toMillis(),
          options.runs(),
          options.groups());
      out.println();
      List<Case> cases = cases();
      Map<Case, List<Sample>> samples = new LinkedHashMap<>();
      cases.forEach(c -> samples.put(c, new ArrayList<>()));
      for (int run = 1; run <= options.runs(); run++) {
        for (Case c : cases) {
          Path dir = scratch.newRunDir(c.group());
          DiskSettle.syncFilesystem(dir);
          try {
            Sample s = c.runner().run(dir);
            samples.get(c).add(s);
            out.printf(
                Locale.ROOT,
                "run %d/%d  %-58s %,12.0f %s/s  %8.1f MB/s  p50 %s  p99 %s%n",
                run,
                options.runs(),
                c.name(),
                s.operationsPerSecond(),
                c.unit(),
                s.payloadMbPerSecond(),
                ResultTable.micros(s.p50Micros()),
                ResultTable.micros(s.p99Micros()));
          } finally {
            Scratch.delete(dir);
          }
        }
      }
      List<CaseResult> results = new ArrayList<>();
      samples.forEach(
          (c, list) ->
              results.add(new CaseResult(c.name(), c.unit(), c.latencyOf(), c.baseline(), list)));
      if (!results.isEmpty()) {
        printThroughput(results);
      }
      if (options.groups().contains("recovery")) {
        new RecoveryReport(options, out).run(scratch);
      }
    }
    out.printf(Locale.ROOT, "%ntotal time %.0f s%n", (System.nanoTime() - started) / 1e9);
  }

  private void printThroughput(List<CaseResult> results) {
    CaseResult rawA = find(results, "raw A ");
    CaseResult rawB = find(results, "raw B");
    CaseResult rawAStar = find(results, "raw A*");
    out.println();
    out.println(
        "THROUGHPUT (median of "
            + options.runs()
            + " run(s); MB = 10^6 bytes of 1 KiB payloads; "
            + "log MB/s = CommitLog growth incl. record headers; vs raw: A on MB/s, B on ops/s)");
    ResultTable.print(out, results, rawA, rawB);
    out.println();
    out.println("TARGETS");
    for (CaseResult c : results) {
      if (c.name().startsWith("engine async") && rawA != null) {
        double ratio = c.payloadMbPerSecond() / rawA.payloadMbPerSecond();
        out.printf(
            Locale.ROOT,
            "  %-52s %.2f x raw A MB/s  (target >= 0.70)  %s%s%n",
            c.name(),
            ratio,
            ratio >= 0.70 ? "MET" : "MISSED",
            rawAStar == null
                ? ""
                : String.format(
                    Locale.ROOT,
                    "   [%.2f x raw A* MB/s]",
                    c.payloadMbPerSecond() / rawAStar.payloadMbPerSecond()));
      }
      if (c.name().startsWith("engine sync")
          && c.name().contains(MANY + " threads")
          && rawB != null) {
        double ratio = c.operationsPerSecond() / rawB.operationsPerSecond();
        out.printf(
            Locale.ROOT,
            "  %-52s %.1f x raw B writes/s (target >= 10)  %s%n",
            c.name(),
            ratio,
            ratio >= 10 ? "MET" : "MISSED");
      }
    }
  }

  private static CaseResult find(List<CaseResult> results, String prefix) {
    return results.stream().filter(r -> r.name().startsWith(prefix)).findFirst().orElse(null);
  }

  private List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    RawBaselines raw = new RawBaselines(SEGMENT_SIZE_BYTES, payload);
    if (options.groups().contains("raw")) {
      cases.add(
          new Case(
              "raw",
              "raw A  FileChannel 256 KiB writes, 1 force at end",
              "event",
              "256 KiB write",
              Baseline.NONE,
              dir -> raw.sequentialBatched(dir, options.warmUp(), options.window(), true)));
      cases.add(
          new Case(
              "raw",
              "raw A* the same writes, never forced (page cache)",
              "event",
              "256 KiB write",
              Baseline.NONE,
              dir -> raw.sequentialBatched(dir, options.warmUp(), options.window(), false)));
      cases.add(
          new Case(
              "raw",
              "raw B  FileChannel 1 KiB write + force(false), 1 thread",
              "write",
              "write+force",
              Baseline.NONE,
              dir -> raw.forcedWrites(dir, options.warmUp(), options.window(), 1)));
      cases.add(
          new Case(
              "raw",
              "raw C  FileChannel " + MANY + " KiB write + force(false), 1 thread",
              "event",
              "write+force",
              Baseline.NONE,
              dir -> raw.forcedWrites(dir, options.warmUp(), options.window(), MANY)));
    }
    if (options.groups().contains("engine")) {
      cases.add(
          engine(
              "engine async  1 id, " + IN_FLIGHT + " appends in flight",
              "async",
              Baseline.RAW_A_MB_PER_SECOND,
              store -> new PipelinedAppendLoad(store, 1, IN_FLIGHT, payload)));
      cases.add(
          engine(
              "engine async  " + MANY + " ids, " + IN_FLIGHT + " appends in flight",
              "async",
              Baseline.RAW_A_MB_PER_SECOND,
              store -> new PipelinedAppendLoad(store, MANY, IN_FLIGHT, payload)));
      cases.add(
          engine(
              "engine sync   1 thread, 1 id, append().get()",
              "sync",
              Baseline.RAW_B_OPERATIONS_PER_SECOND,
              store -> new BlockingAppendLoad(store, 1, payload)));
      cases.add(
          engine(
              "engine sync   " + MANY + " threads, " + MANY + " ids, append().get()",
              "sync",
              Baseline.RAW_B_OPERATIONS_PER_SECOND,
              store -> new BlockingAppendLoad(store, MANY, payload)));
    }
    if (options.groups().contains("pekko")) {
      for (String mode : List.of("async", "sync")) {
        for (int actors : List.of(1, MANY)) {
          String name =
              String.format(
                  Locale.ROOT,
                  "pekko %-6s %d actor%s, persistAll(%d)",
                  mode,
                  actors,
                  actors == 1 ? "" : "s",
                  PEKKO_BATCH);
          cases.add(
              new Case(
                  "pekko",
                  name,
                  "event",
                  "command",
                  Baseline.RAW_A_MB_PER_SECOND,
                  dir ->
                      Measurement.measure(
                          new PekkoJournalLoad(dir, mode, actors, PEKKO_BATCH, payload),
                          options.warmUp(),
                          options.window())));
        }
      }
    }
    cases.removeIf(c -> !c.name().contains(options.caseFilter()));
    return cases;
  }

  private Case engine(String name, String flushMode, Baseline baseline, LoadFactory factory) {
    return new Case(
        "engine",
        name,
        "event",
        "append",
        baseline,
        dir -> {
          try (MessageStore store =
              MessageStore.open(StoreSettings.of(dir, "flush-mode = " + flushMode))) {
            Sample sample =
                Measurement.measure(factory.create(store), options.warmUp(), options.window());
            // close() interrupts a flusher caught inside FileChannel.force, which closes the
            // segment channel and makes close() fail (see README); forcing first leaves it idle
            store.flush();
            return sample;
          }
        });
  }

  @FunctionalInterface
  private interface LoadFactory {
    Load create(MessageStore store);
  }
}
