package io.sluice.bench.e2e;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU accounting of one measured window: the broker process (summed over the nodes of a cluster),
 * this (client) process, and the whole
 * machine from {@code /proc/stat}, so what other users of the machine took shows as "other".
 */
final class CpuClock {
  private static final Pattern GC_PAUSE =
      Pattern.compile("^\\[(\\d+[.,]\\d+)s\\].*Pause.* (\\d+[.,]\\d+)ms$");

  /** One reading. */
  record Reading(
      long brokerNanos, long clientNanos, long machineBusyNanos, long stealNanos, long clientGcMillis) {}

  /**
   * CPU use over a window, in cores (CPU seconds per second).
   *
   * @param broker the broker JVM, or all broker JVMs of a cluster together
   * @param client this JVM (producers and consumers)
   * @param other everything else on the machine, including the kernel's work outside both
   * @param steal time the hypervisor ran something else while this VM wanted to run
   * @param clientGcMillis time the client's collectors report (pauses and concurrent work) in the
   *     window
   */
  record Usage(double broker, double client, double other, double steal, long clientGcMillis) {}

  private CpuClock() {}

  static Reading read(BrokerProcess broker) {
    return read(broker.cpuNanos());
  }

  /** A reading with the broker figure summed over every node of the cluster. */
  static Reading read(BrokerCluster brokers) {
    return read(brokers.cpuNanos());
  }

  private static Reading read(long brokerNanos) {
    long client =
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    long gc = 0;
    for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
      gc += Math.max(0, b.getCollectionTime());
    }
    long[] machine = machineNanos();
    return new Reading(brokerNanos, client, machine[0], machine[1], gc);
  }

  static Usage between(Reading a, Reading b, long wallNanos) {
    double broker = (b.brokerNanos() - a.brokerNanos()) / (double) wallNanos;
    double client = (b.clientNanos() - a.clientNanos()) / (double) wallNanos;
    double machine = (b.machineBusyNanos() - a.machineBusyNanos()) / (double) wallNanos;
    double steal = (b.stealNanos() - a.stealNanos()) / (double) wallNanos;
    return new Usage(
        broker,
        client,
        Math.max(0, machine - broker - client),
        steal,
        b.clientGcMillis() - a.clientGcMillis());
  }

  /**
   * Busy time of all CPUs (user, nice, system, irq, softirq) and steal time, from the first line
   * of {@code /proc/stat}, in ns.
   */
  private static long[] machineNanos() {
    try {
      String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = cpu.trim().split("\\s+");
      long busy = 0;
      for (int i : new int[] {1, 2, 3, 6, 7}) {
        busy += Long.parseLong(f[i]);
      }
      long tick = 1_000_000_000L / 100; // USER_HZ = 100 on Linux
      return new long[] {busy * tick, Long.parseLong(f[8]) * tick};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  /**
   * GC pauses of the broker between two points of its uptime, from its {@code -Xlog:gc} file.
   *
   * @return {count, total ms (rounded), max ms (rounded)}
   */
  static long[] brokerGcPauses(Path gcLog, long fromUptimeMs, long toUptimeMs) {
    long count = 0;
    double total = 0;
    double max = 0;
    try {
      for (String line : Files.readAllLines(gcLog)) {
        Matcher m = GC_PAUSE.matcher(line.trim());
        if (!m.find()) {
          continue;
        }
        double at = Double.parseDouble(m.group(1).replace(',', '.')) * 1000;
        if (at < fromUptimeMs || at > toUptimeMs) {
          continue;
        }
        double ms = Double.parseDouble(m.group(2).replace(',', '.'));
        count++;
        total += ms;
        max = Math.max(max, ms);
      }
    } catch (IOException e) {
      return new long[] {-1, -1, -1};
    }
    return new long[] {count, Math.round(total), Math.round(max)};
  }
}
