package io.sluice.bench.e2e;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sluice.bench.DiskSettle;
import io.sluice.bench.MachineFacts;
import io.sluice.bench.Scratch;
import io.sluice.bench.measure.ResultTable;
import io.sluice.client.Filter;
import io.sluice.client.MessageType;
import io.sluice.client.SluiceClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.apache.pekko.actor.ActorSystem;

/**
 * The end-to-end benchmark (issue #3): a broker node in its own JVM (started from {@code
 * sluice-broker.jar}, fresh data directory per run), or with {@code --nodes N} a cluster of N node
 * JVMs ({@link BrokerCluster}), producers and push consumers of the Java client in this JVM, over
 * gRPC on loopback. Scenarios: {@code sync} (threads calling {@code
 * send}) and {@code pipelined} with 1, 2, 4 producers ({@code sendAsync}); in every scenario the
 * consumers of one group consume concurrently. Scenarios run round-robin (run 1 of each, then run
 * 2, ...) so background load spreads over all of them.
 */
public final class E2eBenchmark {
  static final String TOPIC = "bench";
  static final String GROUP = "bench-group";
  static final int QUEUES = 8;

  /** Reference figures measured on the same machine (issue #3). */
  static final double KAFKA_PRODUCER = 72_000;
  static final double ROCKETMQ_SYNC_REMOTING = 8_000;
  static final double ROCKETMQ_SYNC_GRPC_PROXY = 5_000;
  static final double SYNC_TARGET = 8_000;
  static final double PIPELINED_TARGET = 50_000;

  private final E2eOptions options;
  private final PrintStream out;

  public E2eBenchmark(E2eOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  enum Kind {
    SYNC,
    PIPELINED,
    /** Diagnostic: one pipelined producer fills the topic first, then only the consumers run. */
    DRAIN,
    /** Diagnostic: after a fill, a group without a filter and a group with a 1 % tag filter each scan it. */
    FILTER
  }

  record Scenario(String name, Kind kind, int parallelism) {
    String slug() {
      return kind.name().toLowerCase(Locale.ROOT) + "-" + parallelism;
    }
  }

  public void run() throws Exception {
    long started = System.nanoTime();
    if (!Files.isRegularFile(options.brokerJar())) {
      throw new IllegalArgumentException("no broker jar at " + options.brokerJar());
    }
    if (options.profileDir() != null) {
      Files.createDirectories(options.profileDir());
    }
    List<Scenario> scenarios = scenarios();
    Map<Scenario, List<RunResult>> results = new LinkedHashMap<>();
    scenarios.forEach(s -> results.put(s, new ArrayList<>()));
    try (Scratch scratch = new Scratch(options.dir())) {
      MachineFacts.print(out, scratch.root());
      out.println("date:       " + LocalDate.now());
      out.println("broker:     " + options.brokerJar() + ", JVM options: " + options.brokerJavaOpts());
      out.println(
          "nodes:      "
              + options.nodes()
              + (options.nodes() == 1
                  ? " (broker group g1)"
                  : " broker JVMs in one cluster, node i owns broker group g<i>; cpu broker = all nodes summed")
              + (options.forwarded()
                  ? "; FORWARDED: client knows node 1 only, producers with directRouting(false)"
                  : options.nodes() > 1 ? "; client knows every node, producers route directly" : "")
              + (options.replication() == null
                  ? ""
                  : "; replication " + options.replication()
                      + (options.replication().equals("none") ? "" : ", g<i> replicated on n<i> (master) and the next node")));
      out.printf(
          Locale.ROOT,
          "settings:   warm-up %d ms, measured %d ms, %d run(s) per scenario; %d-byte bodies; topic"
              + " with %d queues (NORMAL); %d push consumer(s) in one group, %d listener threads"
              + " and cache %d each; pipelined producers: buffer %d MiB, batch 256 KiB, linger 1 ms;"
              + " requests in flight per producer %s; drain timeout %d s%n",
          options.warmUp().toMillis(),
          options.window().toMillis(),
          options.runs(),
          options.messageSize(),
          QUEUES,
          options.consumers(),
          options.consumerThreads(),
          options.consumerCache(),
          options.maxInFlightMib(),
          options.maxInFlightRequests() == 0 ? "client default" : Integer.toString(options.maxInFlightRequests()),
          options.drain().toSeconds());
      if (options.profileDir() != null) {
        out.println("profiling:  JFR of each measured window into " + options.profileDir());
      }
      out.println();
      for (int run = 1; run <= options.runs(); run++) {
        for (Scenario s : scenarios) {
          Path runDir = scratch.newRunDir(s.slug());
          DiskSettle.syncFilesystem(runDir);
          try {
            RunResult r = runOnce(s, run, runDir);
            results.get(s).add(r);
            printRun(s, run, r);
          } catch (Exception e) {
            out.printf(Locale.ROOT, "run %d/%d  %s  FAILED: %s%n", run, options.runs(), s.name(), e);
            e.printStackTrace();
          } finally {
            Scratch.delete(runDir);
          }
        }
      }
      printSummary(results);
    }
    out.printf(Locale.ROOT, "%ntotal time %.0f s%n", (System.nanoTime() - started) / 1e9);
  }

  private List<Scenario> scenarios() {
    List<Scenario> list = new ArrayList<>();
    if (options.scenarios().contains("sync")) {
      list.add(
          new Scenario(
              "sync       " + options.syncThreads() + " threads, send()", Kind.SYNC, options.syncThreads()));
    }
    if (options.scenarios().contains("pipelined")) {
      for (int n : options.producerCounts()) {
        list.add(
            new Scenario(
                "pipelined  " + n + " producer" + (n == 1 ? "" : "s") + ", sendAsync()"
                    + (options.rate() > 0 ? String.format(Locale.ROOT, " at %,.0f/s", options.rate()) : ""),
                Kind.PIPELINED,
                n));
      }
    }
    if (options.scenarios().contains("drain")) {
      list.add(new Scenario("drain      consumers only, after a fill", Kind.DRAIN, options.consumers()));
    }
    if (options.scenarios().contains("filter")) {
      list.add(new Scenario("filter     1 % tag filter vs none", Kind.FILTER, options.consumers()));
    }
    return list;
  }

  private RunResult runOnce(Scenario s, int run, Path runDir) throws Exception {
    String loadBefore = loadAverage();
    RunResult result;
    List<String> problems;
    try (BrokerCluster broker =
        BrokerCluster.start(
            options.brokerJar(), options.brokerJavaOpts(), options.nodes(), runDir, options.replication())) {
      boolean first = run == 1 && s.equals(scenarios().get(0));
      if (first) {
        for (BrokerProcess node : broker.nodes()) {
          out.println("broker cmd: " + String.join(" ", node.command()));
        }
      }
      // forwarded: node 1 only, so every message for another node's queue takes a hop from there
      List<String> endpoints = options.forwarded() ? broker.endpoints().subList(0, 1) : broker.endpoints();
      ActorSystem system = ActorSystem.create("bench-client", clientConfig());
      try {
        Supplier<SluiceClient> newClient =
            () ->
                SluiceClient.builder()
                    .endpoints(endpoints)
                    .requestTimeout(Duration.ofSeconds(30))
                    .actorSystem(system)
                    .build();
        try (SluiceClient admin = newClient.get()) {
          admin.admin().createTopic(TOPIC, QUEUES, MessageType.NORMAL);
          if (first) {
            out.println("client:     endpoints " + endpoints);
            out.println("placement:  queues per broker group " + broker.queuesPerGroup());
            out.println();
          }
          result = switch (s.kind()) {
            case DRAIN -> measureDrain(s, run, broker, admin, newClient);
            case FILTER -> measureFilter(run, broker, admin, newClient);
            default -> measure(s, run, broker, admin, newClient);
          };
        }
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      if (options.replication() != null) {
        // after the window: were the replicas in sync (a sync group acks alone once they are not)?
        broker.replicationState().forEach(l -> out.println("  replication " + l));
      }
      problems = broker.problems();
      int[] exits = broker.stop();
      for (int i = 0; i < exits.length; i++) {
        if (exits[i] != 0 && exits[i] != 143) {
          out.println("  broker node " + (i + 1) + " exited with status " + exits[i]);
        }
      }
    }
    if (options.profileDir() != null) {
      String base = s.slug() + "-run" + run;
      for (int i = 1; i <= options.nodes(); i++) {
        String log = BrokerCluster.logName(options.nodes(), i);
        Files.copy(
            runDir.resolve(log + ".log"),
            options.profileDir().resolve(base + "-" + log + ".log"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(
            runDir.resolve(log + "-gc.log"),
            options.profileDir().resolve(base + "-" + log + "-gc.log"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return withLoad(result, loadBefore, loadAverage(), problems);
  }

  private RunResult measure(
      Scenario s, int run, BrokerCluster broker, SluiceClient admin, Supplier<SluiceClient> newClient)
      throws Exception {
    ConsumerSide consumers =
        options.consumers() == 0
            ? null
            : new ConsumerSide(
                newClient,
                GROUP,
                TOPIC,
                options.consumers(),
                options.consumerThreads(),
                options.consumerCache(),
                Filter.ALL);
    try {
      ProducerLoad load =
          s.kind() == Kind.SYNC
              ? ProducerLoad.sync(
                  newClient, TOPIC, options.messageSize(), s.parallelism(), options.maxInFlightRequests(),
                  !options.forwarded())
              : ProducerLoad.pipelined(
                  newClient, TOPIC, options.messageSize(), s.parallelism(), options.maxInFlightMib(),
                  options.maxInFlightRequests(), options.rate(), 0, !options.forwarded());
      String jfrBase = s.slug() + "-run" + run;
      if (options.profileDir() != null) {
        startBrokerRecordings(broker, jfrBase);
      }
      load.start();
      Recording clientRecording = null;
      try {
        Thread.sleep(options.warmUp().toMillis());

        if (options.profileDir() != null) {
          clientRecording = new Recording(Configuration.getConfiguration("profile"));
          clientRecording.setDestination(options.profileDir().resolve(jfrBase + "-client.jfr"));
          clientRecording.start();
        }
        long acked0 = load.acked.sum();
        long consumed0 = consumers == null ? 0 : consumers.consumed.sum();
        load.ackLatency.interval();
        if (consumers != null) {
          consumers.endToEnd.interval();
        }
        CpuClock.Reading cpu0 = CpuClock.read(broker);
        long[] uptime0 = broker.uptimes();
        long t0 = System.nanoTime();

        Thread.sleep(options.window().toMillis());

        long acked1 = load.acked.sum();
        long consumed1 = consumers == null ? 0 : consumers.consumed.sum();
        long t1 = System.nanoTime();
        CpuClock.Reading cpu1 = CpuClock.read(broker);
        long[] uptime1 = broker.uptimes();
        var ackHistogram = load.ackLatency.interval();
        var e2eHistogram = consumers == null ? null : consumers.endToEnd.interval();
        if (clientRecording != null) {
          clientRecording.stop();
          clientRecording.close();
          clientRecording = null;
        }
        long groupLag = -1;
        if (consumers != null) {
          try {
            groupLag = admin.admin().describeConsumerGroup(GROUP, TOPIC).totalLag();
          } catch (RuntimeException e) {
            out.println("  describeConsumerGroup failed: " + e);
          }
        }

        load.stop();
        long drainMillis = -1;
        long left = -1;
        if (consumers != null) {
          long target = load.acked.sum();
          long d0 = System.nanoTime();
          long deadline = d0 + options.drain().toNanos();
          while (consumers.consumed.sum() < target && System.nanoTime() < deadline) {
            Thread.sleep(10);
          }
          left = Math.max(0, target - consumers.consumed.sum());
          if (left == 0) {
            drainMillis = (System.nanoTime() - d0) / 1_000_000;
          }
        }
        return new RunResult(
            acked1 - acked0,
            consumers == null ? -1 : consumed1 - consumed0,
            t1 - t0,
            options.messageSize(),
            ackHistogram,
            e2eHistogram,
            consumers == null ? -1 : Math.max(0, acked0 - consumed0),
            consumers == null ? -1 : Math.max(0, acked1 - consumed1),
            groupLag,
            drainMillis,
            left,
            load.errors.sum(),
            load.firstError.get(),
            consumers == null ? 0 : consumers.redelivered.sum(),
            CpuClock.between(cpu0, cpu1, t1 - t0),
            broker.gcPauses(uptime0, uptime1),
            null,
            null,
            List.of());
      } finally {
        if (clientRecording != null) {
          clientRecording.close();
        }
        load.stop();
      }
    } finally {
      if (consumers != null) {
        consumers.close();
      }
    }
  }

  /**
   * The drain diagnostic: one pipelined producer fills the topic for the length of a window (no
   * consumer running), then the consumers start on that backlog; after the warm-up, what they
   * consume in the window is measured. Only consumption is timed.
   */
  private RunResult measureDrain(
      Scenario s, int run, BrokerCluster broker, SluiceClient admin, Supplier<SluiceClient> newClient)
      throws Exception {
    ProducerLoad fill =
        ProducerLoad.pipelined(
            newClient, TOPIC, options.messageSize(), 1, options.maxInFlightMib(), options.maxInFlightRequests(), 0, 0,
            !options.forwarded());
    long f0 = System.nanoTime();
    fill.start();
    Thread.sleep(options.window().toMillis());
    fill.stop();
    long filled = fill.acked.sum();
    out.printf(
        Locale.ROOT,
        "  drain run %d: filled %,d messages in %.1f s (%,.0f msg/s, %,d send errors)%n",
        run,
        filled,
        (System.nanoTime() - f0) / 1e9,
        filled * 1e9 / (System.nanoTime() - f0),
        fill.errors.sum());
    String jfrBase = s.slug() + "-run" + run;
    if (options.profileDir() != null) {
      startBrokerRecordings(broker, jfrBase);
    }
    try (ConsumerSide consumers =
        new ConsumerSide(
            newClient,
            GROUP,
            TOPIC,
            Math.max(1, options.consumers()),
            options.consumerThreads(),
            options.consumerCache(),
            Filter.ALL)) {
      Thread.sleep(options.warmUp().toMillis());
      Recording clientRecording = null;
      if (options.profileDir() != null) {
        clientRecording = new Recording(Configuration.getConfiguration("profile"));
        clientRecording.setDestination(options.profileDir().resolve(jfrBase + "-client.jfr"));
        clientRecording.start();
      }
      long consumed0 = consumers.consumed.sum();
      consumers.endToEnd.interval();
      CpuClock.Reading cpu0 = CpuClock.read(broker);
      long[] uptime0 = broker.uptimes();
      long t0 = System.nanoTime();
      Thread.sleep(options.window().toMillis());
      long consumed1 = consumers.consumed.sum();
      long t1 = System.nanoTime();
      CpuClock.Reading cpu1 = CpuClock.read(broker);
      long[] uptime1 = broker.uptimes();
      if (clientRecording != null) {
        clientRecording.stop();
        clientRecording.close();
      }
      consumers.endToEnd.interval();
      long groupLag = -1;
      try {
        groupLag = admin.admin().describeConsumerGroup(GROUP, TOPIC).totalLag();
      } catch (RuntimeException e) {
        out.println("  describeConsumerGroup failed: " + e);
      }
      return new RunResult(
          0,
          consumed1 - consumed0,
          t1 - t0,
          options.messageSize(),
          null,
          null, // produce-to-consume latency would include the fill: not shown
          Math.max(0, filled - consumed0),
          Math.max(0, filled - consumed1),
          groupLag,
          -1,
          Math.max(0, filled - consumed1),
          fill.errors.sum(),
          fill.firstError.get(),
          consumers.redelivered.sum(),
          CpuClock.between(cpu0, cpu1, t1 - t0),
          broker.gcPauses(uptime0, uptime1),
          null,
          null,
          List.of());
    }
  }

  /**
   * The filter diagnostic: one pipelined producer fills the topic for the length of a window, one
   * message in {@link #RARE_EVERY} tagged {@code rare} and the others {@code common}; then a group
   * without a filter and a group subscribed to {@code rare}, one after the other, each consume the
   * whole backlog (until the broker reports the group's lag 0), in alternating order from run to
   * run. Compares how fast each passes through the topic. The result's consume rate is that of
   * the group measured last.
   */
  private RunResult measureFilter(int run, BrokerCluster broker, SluiceClient admin, Supplier<SluiceClient> newClient)
      throws Exception {
    ProducerLoad fill = ProducerLoad.pipelined(newClient, TOPIC, options.messageSize(), 1, options.maxInFlightMib(),
        options.maxInFlightRequests(), 0, RARE_EVERY, !options.forwarded());
    fill.start();
    Thread.sleep(options.window().toMillis());
    fill.stop();
    long filled = fill.acked.sum();
    out.printf(Locale.ROOT, "  filter run %d: filled %,d messages (1 in %d tagged rare)%n", run, filled, RARE_EVERY);
    double[] scanRate = new double[2];
    RunResult last = null;
    String[] labels = {"no filter", "tag filter 'rare' (1 %)"};
    Filter[] filters = {Filter.ALL, Filter.tag("rare")};
    // alternate which goes first, so neither always runs on a colder JIT
    for (int i : run % 2 == 1 ? new int[] {0, 1} : new int[] {1, 0}) {
      String group = "filter-" + i;
      CpuClock.Reading cpu0 = CpuClock.read(broker);
      long[] uptime0 = broker.uptimes();
      long t0 = System.nanoTime();
      long lag;
      long delivered;
      try (ConsumerSide consumers = new ConsumerSide(newClient, group, TOPIC, Math.max(1, options.consumers()),
          options.consumerThreads(), options.consumerCache(), filters[i])) {
        long deadline = t0 + 10 * options.window().toNanos();
        do {
          Thread.sleep(200);
          lag = admin.admin().describeConsumerGroup(group, TOPIC).totalLag();
        } while (lag > 0 && System.nanoTime() < deadline);
        delivered = consumers.consumed.sum();
      }
      long t1 = System.nanoTime();
      CpuClock.Usage cpu = CpuClock.between(cpu0, CpuClock.read(broker), t1 - t0);
      scanRate[i] = (filled - lag) * 1e9 / (t1 - t0);
      out.printf(Locale.ROOT,
          "  filter run %d, %-24s scanned %,d messages in %.1f s = %,.0f msg/s, delivered %,d; lag left %,d;"
              + " cpu broker %.2f, client %.2f, other %.2f%n",
          run, labels[i] + ":", filled - lag, (t1 - t0) / 1e9, scanRate[i], delivered, lag, cpu.broker(), cpu.client(),
          cpu.other());
      last = new RunResult(0, filled - lag, t1 - t0, options.messageSize(), null, null, filled, lag, lag, -1, lag,
          fill.errors.sum(), fill.firstError.get(), 0, cpu,
          broker.gcPauses(uptime0, broker.uptimes()), null, null, List.of());
    }
    out.printf(Locale.ROOT, "  filter run %d: the 1 %% tag filter passes through the topic at %.2fx the rate of no filter%n",
        run, scanRate[1] / scanRate[0]);
    return last;
  }

  /** One message in this many is tagged {@code rare} in the filter diagnostic. */
  static final int RARE_EVERY = 100;

  /**
   * Starts a JFR recording in each broker node that covers the measured window, into {@code
   * <base>-broker.jfr} (one node) or {@code <base>-broker-n<i>.jfr}.
   */
  private void startBrokerRecordings(BrokerCluster broker, String base) throws Exception {
    for (int i = 1; i <= broker.size(); i++) {
      startBrokerRecording(
          broker.nodes().get(i - 1),
          options.profileDir().resolve(base + "-" + BrokerCluster.logName(broker.size(), i) + ".jfr"));
    }
  }

  /** Starts a JFR recording in one broker JVM that covers the measured window (jcmd, delay = warm-up). */
  private void startBrokerRecording(BrokerProcess broker, Path file) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(
                Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd",
                Long.toString(broker.pid()),
                "JFR.start",
                "name=bench",
                "settings=profile",
                "delay=" + Math.max(1, options.warmUp().toSeconds()) + "s",
                "duration=" + Math.max(1, options.window().toSeconds()) + "s",
                "filename=" + file)
            .redirectErrorStream(true)
            .start();
    String text = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      out.println("  jcmd JFR.start failed: " + text.trim());
    }
  }

  private static Config clientConfig() {
    // The client's own defaults for a private system (local provider, daemon threads, WARNING).
    return ConfigFactory.load()
        .getConfig("sluice.client.owned-actor-system")
        .withFallback(ConfigFactory.defaultReference());
  }

  private static RunResult withLoad(RunResult r, String before, String after, List<String> problems) {
    return new RunResult(
        r.produced(),
        r.consumed(),
        r.nanos(),
        r.messageSize(),
        r.ack(),
        r.endToEnd(),
        r.backlogStart(),
        r.backlogEnd(),
        r.groupLagEnd(),
        r.drainMillis(),
        r.leftAfterDrain(),
        r.errors(),
        r.firstError(),
        r.redelivered(),
        r.cpu(),
        r.brokerGc(),
        before,
        after,
        problems);
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private void printRun(Scenario s, int run, RunResult r) {
    String indent = " ".repeat(12);
    out.printf(
        Locale.ROOT,
        "run %d/%d  %s%n",
        run,
        options.runs(),
        s.name());
    if (s.kind() == Kind.DRAIN || s.kind() == Kind.FILTER) {
      out.printf(
          Locale.ROOT,
          "%sconsume  %,9.0f msg/s %7.1f MB/s   backlog %,d at window start, %,d at end (group lag %,d);"
              + " redelivered %,d%n",
          indent,
          r.consumedPerSecond(),
          r.consumedMbPerSecond(),
          r.backlogStart(),
          r.backlogEnd(),
          r.groupLagEnd(),
          r.redelivered());
      printCpuAndLoad(indent, r);
      printProblems(indent, r);
      return;
    }
    out.printf(
        Locale.ROOT,
        "%sproduce  %,9.0f msg/s %7.1f MB/s   ack  p50 %9s  p99 %9s  p99.9 %9s%n",
        indent,
        r.producedPerSecond(),
        r.producedMbPerSecond(),
        micros(r.ackMicros(50)),
        micros(r.ackMicros(99)),
        micros(r.ackMicros(99.9)));
    if (r.consumed() >= 0) {
      out.printf(
          Locale.ROOT,
          "%sconsume  %,9.0f msg/s %7.1f MB/s   e2e  p50 %9s  p99 %9s  p99.9 %9s%n",
          indent,
          r.consumedPerSecond(),
          r.consumedMbPerSecond(),
          micros(r.endToEndMicros(50)),
          micros(r.endToEndMicros(99)),
          micros(r.endToEndMicros(99.9)));
      out.printf(
          Locale.ROOT,
          "%sbacklog  %,d at window start, %,d at end (group lag %,d) -> %s; %s; redelivered %,d%n",
          indent,
          r.backlogStart(),
          r.backlogEnd(),
          r.groupLagEnd(),
          r.keptUp() ? "kept up" : "FELL BEHIND",
          r.drainMillis() >= 0
              ? String.format(Locale.ROOT, "drained %.1f s after producers stopped", r.drainMillis() / 1e3)
              : String.format(Locale.ROOT, "NOT drained: %,d left after %d s", r.leftAfterDrain(), options.drain().toSeconds()),
          r.redelivered());
    }
    printCpuAndLoad(indent, r);
    printProblems(indent, r);
  }

  private void printCpuAndLoad(String indent, RunResult r) {
    out.printf(
        Locale.ROOT,
        "%scpu      broker %.2f, client %.2f, other %.2f cores (steal %.2f); GC: broker %d pauses %d ms"
            + " (max %d ms), client %d ms%n",
        indent,
        r.cpu().broker(),
        r.cpu().client(),
        r.cpu().other(),
        r.cpu().steal(),
        r.brokerGc()[0],
        r.brokerGc()[1],
        r.brokerGc()[2],
        r.cpu().clientGcMillis());
    out.printf(
        Locale.ROOT,
        "%sload avg %s before, %s after; send errors %,d%s%n",
        indent,
        r.loadBefore(),
        r.loadAfter(),
        r.errors(),
        r.firstError() == null ? "" : " (first: " + r.firstError() + ")");
  }

  private void printProblems(String indent, RunResult r) {
    if (!r.brokerProblems().isEmpty()) {
      out.printf(Locale.ROOT, "%sbroker logged %d WARN/ERROR line(s), first ones:%n", indent, r.brokerProblems().size());
      r.brokerProblems().stream().limit(5).forEach(l -> out.println(indent + "  " + l));
    }
    out.flush();
  }

  private void printSummary(Map<Scenario, List<RunResult>> results) {
    out.println();
    out.println(
        "SUMMARY (median of each figure over the runs; MB = 10^6 bytes of payload; latency from"
            + " the stamp taken before send; cpu = cores used in the window by broker/client/rest of"
            + " the machine)");
    String row = "%-38s %4s %26s %6s %9s %9s %9s %9s %9s %9s %9s %10s %7s %14s  %s%n";
    out.printf(
        Locale.ROOT,
        row,
        "scenario",
        "runs",
        "produce msg/s (min..max)",
        "MB/s",
        "ack p50",
        "p99",
        "p99.9",
        "consume/s",
        "e2e p50",
        "p99",
        "p99.9",
        "backlog",
        "kept up",
        "cpu b/c/other",
        "vs reference");
    out.println("-".repeat(205));
    for (Map.Entry<Scenario, List<RunResult>> e : results.entrySet()) {
      Scenario s = e.getKey();
      List<RunResult> rs = e.getValue();
      if (rs.isEmpty()) {
        out.printf(Locale.ROOT, "%-38s %4d  (every run failed)%n", s.name(), 0);
        continue;
      }
      double rate = median(rs, RunResult::producedPerSecond);
      long keptUp = rs.stream().filter(RunResult::keptUp).count();
      if (s.kind() == Kind.DRAIN || s.kind() == Kind.FILTER) {
        out.printf(
            Locale.ROOT,
            row,
            s.name(),
            rs.size(),
            "-",
            "-",
            "-",
            "-",
            "-",
            String.format(Locale.ROOT, "%,.0f", median(rs, RunResult::consumedPerSecond)),
            "-",
            "-",
            "-",
            String.format(Locale.ROOT, "%,.0f", median(rs, r -> r.backlogEnd())),
            "-",
            cpu(rs),
            "consumers alone on a backlog");
        continue;
      }
      out.printf(
          Locale.ROOT,
          row,
          s.name(),
          rs.size(),
          String.format(
              Locale.ROOT,
              "%,.0f (%,.0f..%,.0f)",
              rate,
              rs.stream().mapToDouble(RunResult::producedPerSecond).min().orElse(Double.NaN),
              rs.stream().mapToDouble(RunResult::producedPerSecond).max().orElse(Double.NaN)),
          String.format(Locale.ROOT, "%.1f", median(rs, RunResult::producedMbPerSecond)),
          micros(median(rs, r -> r.ackMicros(50))),
          micros(median(rs, r -> r.ackMicros(99))),
          micros(median(rs, r -> r.ackMicros(99.9))),
          options.consumers() == 0
              ? "-"
              : String.format(Locale.ROOT, "%,.0f", median(rs, RunResult::consumedPerSecond)),
          micros(median(rs, r -> r.endToEndMicros(50))),
          micros(median(rs, r -> r.endToEndMicros(99))),
          micros(median(rs, r -> r.endToEndMicros(99.9))),
          options.consumers() == 0
              ? "-"
              : String.format(Locale.ROOT, "%,.0f", median(rs, r -> r.backlogEnd())),
          options.consumers() == 0 ? "-" : keptUp + "/" + rs.size(),
          cpu(rs),
          s.kind() == Kind.SYNC
              ? String.format(
                  Locale.ROOT,
                  "%.2fx RocketMQ remoting, %.2fx RocketMQ gRPC proxy",
                  rate / ROCKETMQ_SYNC_REMOTING,
                  rate / ROCKETMQ_SYNC_GRPC_PROXY)
              : String.format(Locale.ROOT, "%.2fx Kafka producer", rate / KAFKA_PRODUCER));
    }
    out.println();
    out.println(
        "REFERENCES (same machine): Kafka 4.4 producer benchmark ~72,000 msg/s (1 KiB, batched);"
            + " RocketMQ 5.5 ~8,000 sync sends/s (remoting), ~5,000/s (gRPC proxy)");
    out.println("TARGETS (on the median produce rate; \"kept up\" = backlog at window end <= 1 s of production)");
    for (Map.Entry<Scenario, List<RunResult>> e : results.entrySet()) {
      Scenario s = e.getKey();
      List<RunResult> rs = e.getValue();
      if (rs.isEmpty()) {
        continue;
      }
      double rate = median(rs, RunResult::producedPerSecond);
      if (s.kind() == Kind.DRAIN || s.kind() == Kind.FILTER) {
        continue;
      }
      if (s.kind() == Kind.SYNC) {
        out.printf(
            Locale.ROOT,
            "  %-38s %,9.0f msg/s (target >= %,.0f)  %s%n",
            s.name(),
            rate,
            SYNC_TARGET,
            rate >= SYNC_TARGET ? "MET" : "MISSED");
      } else {
        long keptUp = rs.stream().filter(RunResult::keptUp).count();
        boolean consumersOk = options.consumers() > 0 && keptUp * 2 > rs.size();
        out.printf(
            Locale.ROOT,
            "  %-38s %,9.0f msg/s (target >= %,.0f with consumers keeping up; kept up in %d/%d runs)"
                + "  %s%n",
            s.name(),
            rate,
            PIPELINED_TARGET,
            keptUp,
            rs.size(),
            rate >= PIPELINED_TARGET && consumersOk ? "MET" : "MISSED");
      }
    }
  }

  /** Median CPU use of broker, client and everything else, in cores. */
  private static String cpu(List<RunResult> rs) {
    return String.format(
        Locale.ROOT,
        "%.2f/%.2f/%.2f",
        median(rs, r -> r.cpu().broker()),
        median(rs, r -> r.cpu().client()),
        median(rs, r -> r.cpu().other()));
  }

  private static String micros(double us) {
    return ResultTable.micros(us);
  }

  private static double median(List<RunResult> runs, ToDoubleFunction<RunResult> figure) {
    double[] v = runs.stream().mapToDouble(figure).filter(d -> !Double.isNaN(d)).toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    Arrays.sort(v);
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }
}
