package io.sluice.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Command-line options of {@code bench/run.sh storage}.
 *
 * @param dir parent of the temporary data directory
 * @param warmUp per run, before the measured window
 * @param window measured window per run
 * @param runs runs per throughput case (the median is shown)
 * @param recoveryBytes CommitLog bytes written before the kill
 * @param recoveryRuns fill-kill-open cycles of plain (untagged) events
 * @param keyedRecoveryRuns fill-kill-open cycles of events carrying a key tag
 * @param groups which groups to run: raw, engine, pekko, recovery
 * @param caseFilter only throughput cases whose name contains this (empty: all)
 */
public record BenchOptions(
    Path dir,
    Duration warmUp,
    Duration window,
    int runs,
    long recoveryBytes,
    int recoveryRuns,
    int keyedRecoveryRuns,
    Set<String> groups,
    String caseFilter) {

  public static final Set<String> ALL_GROUPS = Set.of("raw", "engine", "pekko", "recovery");

  public static final String USAGE =
      String.join(
          "\n",
          "usage: bench/run.sh storage [--quick] [--dir PATH] [--runs N] [--warmup SECONDS]",
          "                            [--measure SECONDS] [--recovery-mib MIB] [--recovery-runs"
              + " N]",
          "                            [--keyed-recovery-runs N] [--only"
              + " raw,engine,pekko,recovery]",
          "                            [--filter TEXT (throughput cases whose name contains TEXT)]",
          "  defaults: 2 s warm-up, 5 s measured, 3 runs; recovery of 1024 MiB, 3 runs (+1 keyed)",
          "  --quick:  0.5 s warm-up, 1 s measured, 1 run; recovery of 64 MiB, 1 run (+1 keyed)");

  public static BenchOptions parse(List<String> args) {
    boolean quick = args.contains("--quick");
    Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    Duration warmUp = quick ? Duration.ofMillis(500) : Duration.ofSeconds(2);
    Duration window = quick ? Duration.ofSeconds(1) : Duration.ofSeconds(5);
    int runs = quick ? 1 : 3;
    long recoveryBytes = (quick ? 64L : 1024L) << 20;
    int recoveryRuns = quick ? 1 : 3;
    int keyedRecoveryRuns = 1;
    Set<String> groups = ALL_GROUPS;
    String caseFilter = "";
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--quick":
          break;
        case "--dir":
          dir = Path.of(args.get(++i));
          break;
        case "--runs":
          runs = Integer.parseInt(args.get(++i));
          break;
        case "--warmup":
          warmUp = Duration.ofMillis((long) (Double.parseDouble(args.get(++i)) * 1000));
          break;
        case "--measure":
          window = Duration.ofMillis((long) (Double.parseDouble(args.get(++i)) * 1000));
          break;
        case "--recovery-mib":
          recoveryBytes = Long.parseLong(args.get(++i)) << 20;
          break;
        case "--recovery-runs":
          recoveryRuns = Integer.parseInt(args.get(++i));
          break;
        case "--keyed-recovery-runs":
          keyedRecoveryRuns = Integer.parseInt(args.get(++i));
          break;
        case "--only":
          groups = Set.of(args.get(++i).split(","));
          if (!ALL_GROUPS.containsAll(groups)) {
            throw new IllegalArgumentException("unknown group in " + groups + "\n" + USAGE);
          }
          break;
        case "--filter":
          caseFilter = args.get(++i);
          break;
        default:
          throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
      }
    }
    if (runs < 1 || recoveryRuns < 0 || keyedRecoveryRuns < 0) {
      throw new IllegalArgumentException("run counts must be positive\n" + USAGE);
    }
    return new BenchOptions(
        dir,
        warmUp,
        window,
        runs,
        recoveryBytes,
        recoveryRuns,
        keyedRecoveryRuns,
        groups,
        caseFilter);
  }
}
