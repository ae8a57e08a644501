package io.sluice.bench;

import io.sluice.bench.e2e.CatchUpBenchmark;
import io.sluice.bench.e2e.DelayBenchmark;
import io.sluice.bench.e2e.E2eBenchmark;
import io.sluice.bench.e2e.E2eOptions;
import io.sluice.bench.e2e.JfrTop;
import io.sluice.bench.e2e.SoakBenchmark;
import io.sluice.bench.recovery.RecoveryFiller;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of the benchmarks (never run by the build): {@code storage [options]} runs the
 * storage benchmark; {@code e2e [options]} the end-to-end benchmark against a broker process;
 * {@code delay [options]} delayed-message lateness under load ({@link DelayBenchmark});
 * {@code catchup [options]} a replica's catch-up rate from empty ({@link CatchUpBenchmark});
 * {@code soak [options]} false downings under load, no fault injected ({@link SoakBenchmark});
 * {@code jfr-top FILE} summarises a JFR recording; {@code recovery-fill} is the child JVM of the
 * storage benchmark's recovery case.
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    List<String> rest = args.length == 0 ? List.of() : Arrays.asList(args).subList(1, args.length);
    String command = args.length == 0 ? "" : args[0];
    switch (command) {
      case "storage":
        BenchOptions options;
        try {
          options = BenchOptions.parse(rest);
        } catch (IllegalArgumentException e) {
          System.err.println(e.getMessage());
          System.exit(2);
          return;
        }
        new StorageBenchmark(options, System.out).run();
        System.exit(0);
        break;
      case "e2e":
        E2eOptions e2e;
        try {
          e2e = E2eOptions.parse(rest);
        } catch (IllegalArgumentException e) {
          System.err.println(e.getMessage());
          System.exit(2);
          return;
        }
        new E2eBenchmark(e2e, System.out).run();
        System.exit(0);
        break;
      case "delay":
        try {
          DelayBenchmark.main(rest, System.out);
        } catch (IllegalArgumentException e) {
          System.err.println(e.getMessage());
          System.exit(2);
          return;
        }
        System.exit(0);
        break;
      case "catchup":
        try {
          CatchUpBenchmark.main(rest, System.out);
        } catch (IllegalArgumentException e) {
          System.err.println(e.getMessage());
          System.exit(2);
          return;
        }
        System.exit(0);
        break;
      case "soak":
        try {
          SoakBenchmark.main(rest, System.out);
        } catch (IllegalArgumentException e) {
          System.err.println(e.getMessage());
          System.exit(2);
          return;
        }
        System.exit(0);
        break;
      case "jfr-top":
        JfrTop.main(rest.toArray(new String[0]));
        break;
      case "recovery-fill":
        RecoveryFiller.run(rest.toArray(new String[0]));
        break;
      default:
        System.err.println(BenchOptions.USAGE);
        System.err.println(E2eOptions.USAGE);
        System.err.println(DelayBenchmark.USAGE);
        System.err.println(CatchUpBenchmark.USAGE);
        System.err.println(SoakBenchmark.USAGE);
        System.err.println("usage: bench/run.sh jfr-top FILE.jfr [TOP]");
        System.exit(2);
    }
  }
}
