package io.sluice.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Prints what the figures depend on: CPU, memory, load, JVM and the disk under the data. */
public final class MachineFacts {
  private MachineFacts() {}

  public static void print(PrintStream out, Path dataDir) {
    out.println(
        "cores:      "
            + Runtime.getRuntime().availableProcessors()
            + " available to the JVM; "
            + firstLine(Path.of("/proc/cpuinfo"), "model name"));
    out.println(
        "memory:     "
            + firstLine(Path.of("/proc/meminfo"), "MemTotal")
            + "; JVM max heap "
            + (Runtime.getRuntime().maxMemory() >> 20)
            + " MiB");
    out.println(
        "load avg:   " + readOrUnknown(Path.of("/proc/loadavg")) + " (1/5/15 min, at start)");
    out.println("java:       " + String.join(" | ", command(javaBinary(), "-version")));
    out.println("jvm args:   " + ManagementFactory.getRuntimeMXBean().getInputArguments());
    out.println("data dir:   " + dataDir);
    for (String line : command("df", "-hT", dataDir.toString())) {
      out.println("df -hT:     " + line);
    }
    for (String line :
        command("findmnt", "-T", dataDir.toString(), "-o", "TARGET,SOURCE,FSTYPE,OPTIONS")) {
      out.println("findmnt:    " + line);
    }
    out.println(
        "dirty:      vm.dirty_ratio="
            + readOrUnknown(Path.of("/proc/sys/vm/dirty_ratio"))
            + " vm.dirty_background_ratio="
            + readOrUnknown(Path.of("/proc/sys/vm/dirty_background_ratio")));
  }

  private static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private static List<String> command(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return text.lines().collect(Collectors.toList());
    } catch (IOException e) {
      return List.of("(" + String.join(" ", command) + " failed: " + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of("(interrupted)");
    }
  }

  private static String firstLine(Path file, String prefix) {
    try {
      return Files.readAllLines(file).stream()
          .filter(l -> l.startsWith(prefix))
          .findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String readOrUnknown(Path file) {
    try {
      // procfs reports size 0; a line reader reads to the real end
      return String.join(" ", Files.readAllLines(file)).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
