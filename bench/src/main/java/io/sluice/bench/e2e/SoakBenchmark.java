package io.sluice.bench.e2e;

import com.typesafe.config.ConfigFactory;
import io.sluice.client.Filter;
import io.sluice.client.MessageType;
import io.sluice.client.SluiceClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;

/**
 * False downings under load: 3 node JVMs with sync replication (each group on its own node and the
 * next, {@link BrokerCluster#replicasOf}) and the shipped Split Brain Resolver settings (or {@code
 * --stable-after}), paced pipelined producers and push consumers through client-java for {@code
 * minutes}, and no fault injected. Everything that still happens to the membership is false: it
 * counts, from the nodes' logs ({@link MembershipEvents}), members marked unreachable, downed and
 * removed, controller moves, elections and in-sync changes; from a poll of every node's
 * management HTTP each second ({@link ClusterPoller}), unhealthy views, silent nodes, master moves
 * and epoch rises; and the failed sends by reason. Prints the machine's load average over the run
 * and the CPU used outside the benchmark ("other").
 */
public final class SoakBenchmark {
  public static final String USAGE = "usage: bench/run.sh soak [--quick] [--minutes M] [--rate R] [--size B]"
      + " [--producers N] [--consumers N] [--stable-after DURATION] [--broker-java-opts OPTS]"
      + "   (defaults 60 minutes, 1000 msg/s of 1024 B, 2 producers, 2 consumers, the shipped stable-after"
      + " (7s), broker -Xms512m -Xmx1g; --quick: 2 minutes)";
  private static final int NODES = 3;
  private static final int QUEUES = 8;
  private static final String TOPIC = "soak";
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(60);

  private final Path brokerJar;
  private String brokerJavaOpts = "-Xms512m -Xmx1g";
  private Duration duration = Duration.ofMinutes(60);
  private double rate = 1000;
  private int size = 1024;
  private int producers = 2;
  private int consumers = 2;
  private String stableAfter;
  private final PrintStream out;

  private SoakBenchmark(List<String> args, PrintStream out) {
    Path jar = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--quick" -> duration = Duration.ofMinutes(2);
        case "--minutes" -> duration = Duration.ofSeconds(Math.round(Double.parseDouble(args.get(++i)) * 60));
        case "--rate" -> rate = Double.parseDouble(args.get(++i));
        case "--size" -> size = Integer.parseInt(args.get(++i));
        case "--producers" -> producers = Integer.parseInt(args.get(++i));
        case "--consumers" -> consumers = Integer.parseInt(args.get(++i));
        case "--stable-after" -> stableAfter = args.get(++i);
        case "--broker-jar" -> jar = Path.of(args.get(++i));
        case "--broker-java-opts" -> brokerJavaOpts = args.get(++i);
        default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
      }
    }
    if (jar == null || !Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("no broker jar (--broker-jar, set by run.sh): " + jar);
    }
    this.brokerJar = jar;
    this.out = out;
  }

  public static void main(List<String> args, PrintStream out) throws Exception {
    new SoakBenchmark(args, out).run();
  }

  private void run() throws Exception {
    Path runDir = Files.createTempDirectory("sluice-bench-soak-");
    String javaOpts = brokerJavaOpts
        + (stableAfter == null ? "" : " -Dpekko.cluster.split-brain-resolver.stable-after=" + stableAfter);
    out.printf("soak:       %d nodes, replication sync, %d queues, %,.0f msg/s of %d B from %d producer(s),"
            + " %d consumer(s), %d min; SBR stable-after %s; no fault injected%n",
        NODES, QUEUES, rate, size, producers, consumers, duration.toSeconds() / 60,
        stableAfter == null ? "as shipped (7s)" : stableAfter);
    out.println("load avg:   " + loadAverage() + " (1/5/15 min, at start)");
    out.println("run dir:    " + runDir);
    MembershipEvents events = new MembershipEvents();
    try (BrokerCluster cluster = BrokerCluster.start(brokerJar, javaOpts, NODES, runDir, "sync")) {
      for (int i = 0; i < NODES; i++) {
        String node = "n" + (i + 1);
        cluster.nodes().get(i).onLine(line -> events.accept(node, line));
      }
      out.println("broker cmd: " + String.join(" ", cluster.nodes().get(0).command()));
      awaitSettled(cluster);
      ActorSystem system = ActorSystem.create("bench-client", ConfigFactory.load()
          .getConfig("sluice.client.owned-actor-system").withFallback(ConfigFactory.defaultReference()));
      try {
        List<String> endpoints = cluster.endpoints();
        Supplier<SluiceClient> newClient = () -> SluiceClient.builder().endpoints(endpoints)
            .requestTimeout(Duration.ofSeconds(30)).actorSystem(system).build();
        try (SluiceClient admin = newClient.get()) {
          admin.admin().createTopic(TOPIC, QUEUES, MessageType.NORMAL);
          out.println("placement:  queues per broker group " + cluster.queuesPerGroup());
          soak(cluster, newClient, events);
        }
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      out.println("stopped:    node exit statuses " + Arrays.toString(cluster.stop()));
    }
  }

  /** Waits until every group has a master, every node sees all members Up and every replica is in sync. */
  private void awaitSettled(BrokerCluster cluster) throws InterruptedException {
    ClusterPoller poller = new ClusterPoller(cluster);
    long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
    do {
      poller.poll();
      if (poller.settled(NODES)) {
        out.println("settled:    masters " + poller.masters());
        return;
      }
      TimeUnit.SECONDS.sleep(1);
    } while (System.nanoTime() < deadline);
    throw new IllegalStateException("cluster not settled within " + SETTLE_TIMEOUT + "; masters " + poller.masters());
  }

  private void soak(BrokerCluster cluster, Supplier<SluiceClient> newClient, MembershipEvents events)
      throws Exception {
    ClusterPoller poller = new ClusterPoller(cluster);
    ProducerLoad load;
    CpuClock.Reading cpu0;
    long start;
    try (ConsumerSide consumers = new ConsumerSide(newClient, "soak-group", TOPIC, this.consumers, 4, 1024,
        Filter.ALL)) {
      load = ProducerLoad.pipelined(newClient, TOPIC, size, producers, 16, 0, rate, 0, true);
      events.arm();
      poller.poll();
      cpu0 = CpuClock.read(cluster);
      start = System.nanoTime();
      out.println("started:    " + Instant.now() + ", masters " + poller.masters());
      load.start();
      long end = start + duration.toNanos();
      long nextProgress = start + PROGRESS_EVERY.toNanos();
      long nextPoll = start + TimeUnit.SECONDS.toNanos(1);
      try {
        while (System.nanoTime() < end) {
          TimeUnit.NANOSECONDS.sleep(Math.max(0, nextPoll - System.nanoTime()));
          nextPoll += TimeUnit.SECONDS.toNanos(1);
          poller.poll();
          if (System.nanoTime() >= nextProgress) {
            nextProgress += PROGRESS_EVERY.toNanos();
            out.printf("  %3d min   acked %,d  send errors %,d  consumed %,d  redelivered %,d  load1 %.2f"
                    + "  unreachable %d  downed %d  elections %d  masters %s%n",
                TimeUnit.NANOSECONDS.toMinutes(System.nanoTime() - start), load.acked.sum(), load.errors.sum(),
                consumers.consumed.sum(), consumers.redelivered.sum(), ClusterPoller.loadAverage1(),
                events.count(MembershipEvents.Kind.UNREACHABLE), events.count(MembershipEvents.Kind.DOWNED),
                events.count(MembershipEvents.Kind.ELECTION), poller.masters());
          }
        }
      } finally {
        load.stop();
      }
      long windowNanos = System.nanoTime() - start;
      CpuClock.Usage usage = CpuClock.between(cpu0, CpuClock.read(cluster), windowNanos);
      events.disarm();
      report(windowNanos, load, consumers, poller, events, usage);
    }
    cluster.replicationState().forEach(l -> out.println("  replication " + l));
  }

  private void report(long windowNanos, ProducerLoad load, ConsumerSide consumers, ClusterPoller poller,
      MembershipEvents events, CpuClock.Usage usage) {
    double hours = windowNanos / 3.6e12;
    out.println();
    out.printf("SOAK SUMMARY (%.1f min, ended %s)%n", windowNanos / 6e10, Instant.now());
    out.printf("load:       acked %,d sends (%,.0f msg/s), send errors %,d %s; consumed %,d first deliveries,"
            + " %,d redeliveries%n",
        load.acked.sum(), load.acked.sum() / (windowNanos / 1e9), load.errors.sum(), byReason(load.errorsByReason),
        consumers.consumed.sum(), consumers.redelivered.sum());
    if (load.firstError.get() != null) {
      out.println("            first send error: " + load.firstError.get());
    }
    out.printf("machine:    load average (1 min) mean %.2f, max %.2f over %d one-second readings; at end %s%n",
        poller.loadMean(), poller.loadMax, poller.polls, loadAverage());
    out.printf("cpu:        brokers %.2f, client %.2f, other %.2f, steal %.2f cores (mean over the run)%n",
        usage.broker(), usage.client(), usage.other(), usage.steal());
    out.println("from the node logs (every event, summed over the 3 nodes: each node logs what it sees):");
    for (MembershipEvents.Kind k : MembershipEvents.Kind.values()) {
      long n = events.count(k);
      out.printf("  %-46s %6d  (%.2f per hour)%n", k.label, n, n / hours);
    }
    out.printf("from the management HTTP, polled every second on every node (%d polls):%n", poller.polls);
    out.printf("  %-46s %6d  (%d node-seconds)%n", "a node's view unhealthy (not all Up/reachable)",
        poller.unhealthyEpisodes, poller.unhealthyNodeSeconds);
    out.printf("  %-46s %6d%n", "a node not answering", poller.silentEpisodes);
    out.printf("  %-46s %6d%n", "a group's master moved", poller.masterMoves);
    out.printf("  %-46s %6d%n", "a group's epoch rose", poller.epochRises);
    out.printf("  %-46s %6d%n", "a master saw a replica out of sync", poller.outOfSyncEpisodes);
    out.printf("false downings: %d member(s) downed, %.2f per hour (SBR stable-after %s)%n",
        events.count(MembershipEvents.Kind.DOWNED), events.count(MembershipEvents.Kind.DOWNED) / hours,
        stableAfter == null ? "7s, as shipped" : stableAfter);
    List<String> lines = events.lines();
    if (!lines.isEmpty()) {
      out.println("event lines (first " + lines.size() + "):");
      lines.forEach(l -> out.println("  " + l));
    }
  }

  private static String byReason(Map<String, LongAdder> counts) {
    Map<String, Long> sorted = new TreeMap<>();
    counts.forEach((k, v) -> sorted.put(k, v.sum()));
    return sorted.isEmpty() ? "" : sorted.toString();
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "?";
    }
  }
}
