package io.sluice.bench;

import io.sluice.bench.recovery.RecoveryFiller;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of the benchmarks (never run by the build): {@code storage [options]} runs the
 * storage benchmark; {@code recovery-fill} is the child JVM of its recovery case.
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
      case "recovery-fill":
        RecoveryFiller.run(rest.toArray(new String[0]));
        break;
      default:
        System.err.println(BenchOptions.USAGE);
        System.exit(2);
    }
  }
}
