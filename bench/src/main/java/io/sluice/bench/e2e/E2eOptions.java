package io.sluice.bench.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Command-line options of {@code bench/run.sh e2e}.
 *
 * @param brokerJar the runnable broker jar ({@code sluice-broker.jar} with its {@code lib/})
 * @param brokerJavaOpts JVM options of the broker process
 * @param dir parent of the temporary data directory
 * @param warmUp per run, before the measured window
 * @param window measured window per run
 * @param runs runs per scenario (the median is shown)
 * @param scenarios which kinds to run: sync, pipelined, drain
 * @param syncThreads threads of the sync scenario, each calling {@code send} in a loop
 * @param producerCounts one pipelined scenario per entry, with that many producers
 * @param consumers push consumers (one group) running during every scenario; 0 for none
 * @param consumerThreads listener threads per consumer
 * @param consumerCache credit window ({@code maxCachedMessages}) per consumer
 * @param maxInFlightMib producer buffer ({@code maxInFlightBytes}) of each pipelined producer
 * @param maxInFlightRequests requests each producer has on its stream unanswered; 0 for the client
 *     default
 * @param rate messages per second all pipelined producers together are paced to; 0 for as fast as
 *     they can
 * @param messageSize body bytes per message
 * @param drain how long to wait, after the producers stop, for the consumers to catch up
 * @param profileDir where to write JFR recordings of the measured windows (broker and client), or
 *     null for none
 * @param nodes broker JVMs forming one cluster on 127.0.0.1 (node i owns broker group g<i>)
 * @param forwarded the client knows node 1 only and its producers do not route directly, so every
 *     message to a queue of another node takes one hop inside the cluster
 * @param replication {@code none}, {@code async} or {@code sync}: with async or sync every group is
 *     replicated in that mode on its own node (the preferred master) and the next one (g1 on n1
 *     and n2, ..., g<N> on n<N> and n1: {@code sluice.controller.groups}); null: the nodes'
 *     defaults (no replication)
 */
public record E2eOptions(
    Path brokerJar,
    String brokerJavaOpts,
    Path dir,
    Duration warmUp,
    Duration window,
    int runs,
    Set<String> scenarios,
    int syncThreads,
    List<Integer> producerCounts,
    int consumers,
    int consumerThreads,
    int consumerCache,
    int maxInFlightMib,
    int maxInFlightRequests,
    double rate,
    int messageSize,
    Duration drain,
    Path profileDir,
    int nodes,
    boolean forwarded,
    String replication) {

  public static final Set<String> ALL_SCENARIOS = Set.of("sync", "pipelined", "drain", "filter");

  /** What runs without {@code --only}; "drain" and "filter" are diagnostics, run on request. */
  public static final Set<String> DEFAULT_SCENARIOS = Set.of("sync", "pipelined");

  public static final String DEFAULT_BROKER_JAVA_OPTS = "-Xms1g -Xmx2g";

  public static final String USAGE =
      String.join(
          "\n",
          "usage: bench/run.sh e2e [--quick] [--runs N] [--warmup SECONDS] [--measure SECONDS]",
          "                        [--only sync,pipelined,drain,filter] [--sync-threads N] [--producers 1,2,4]",
          "                        [--consumers M] [--consumer-threads N] [--consumer-cache N]",
          "                        [--max-in-flight-mib N] [--max-in-flight-requests N] [--rate MSG_PER_S]",
          "                        [--message-size BYTES]",
          "                        [--drain SECONDS]",
          "                        [--broker-java-opts \"...\"] [--profile DIR] [--dir PATH]",
          "                        [--nodes N] [--forwarded] [--replication none|async|sync]",
          "                        [--broker-jar PATH (run.sh passes it)]",
          "  defaults: 60 s warm-up, 20 s measured, 3 runs; sync with 32 threads; pipelined with",
          "            1, 2 and 4 producers; 2 consumers x 4 threads, cache 1024; 1024-byte bodies;",
          "            broker JVM " + DEFAULT_BROKER_JAVA_OPTS + "; drain timeout 10 s; 1 node",
          "  --nodes N: N broker JVMs as one cluster (node i owns broker group g<i>, the topic's queues",
          "             spread over the groups); the client knows every node and its producers send",
          "             each message to the node owning its queue (direct routing); broker cpu is",
          "             the sum over the nodes",
          "  --forwarded: (with --nodes 2 or more) the client knows node 1 only and its producers",
          "             do not route directly: messages to other nodes' queues take one hop",
          "  --replication MODE: (with --nodes 2 or more) every broker group is replicated in MODE on",
          "             its own node and the next one (g1 on n1 and n2, ..., g<N> on n<N> and n1), the",
          "             replica controller electing its own node (none: no replica at all, the",
          "             baseline); replication state printed after each run",
          "  --rate:   pace the pipelined producers to this total rate (default: unpaced); the",
          "            sustained-load form of the target: does consumption keep up at that rate?",
          "  --quick:  3 s warm-up, 5 s measured, 1 run, drain 5 s",
          "  --profile DIR: JFR (settings=profile) of each measured window, broker and client, and",
          "                 each run's broker log and GC log",
          "  drain (diagnostic, only with --only): 1 pipelined producer fills the topic for one window,",
          "         then the consumers alone drain it; consumption is measured after the warm-up",
          "  filter (diagnostic, only with --only): a fill as for drain, 1 message in 100 tagged 'rare';",
          "         then a group without filter and a group on tag 'rare' each pass through the backlog");

  public static E2eOptions parse(List<String> args) {
    boolean quick = args.contains("--quick");
    Path brokerJar = null;
    String brokerJavaOpts = DEFAULT_BROKER_JAVA_OPTS;
    Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    // 60 s: on 2 vCPUs under produce and consume load the broker's JIT compilers stay busy for
    // about 50 s after start (jstat -compiler, see bench/README.md); a shorter warm-up measures
    // compilation more than the broker.
    Duration warmUp = quick ? Duration.ofSeconds(3) : Duration.ofSeconds(60);
    Duration window = quick ? Duration.ofSeconds(5) : Duration.ofSeconds(20);
    int runs = quick ? 1 : 3;
    Set<String> scenarios = DEFAULT_SCENARIOS;
    int syncThreads = 32;
    List<Integer> producerCounts = List.of(1, 2, 4);
    int consumers = 2;
    int consumerThreads = 4;
    int consumerCache = 1024;
    int maxInFlightMib = 16;
    int maxInFlightRequests = 0;
    double rate = 0;
    int messageSize = 1024;
    Duration drain = quick ? Duration.ofSeconds(5) : Duration.ofSeconds(10);
    Path profileDir = null;
    int nodes = 1;
    boolean forwarded = false;
    String replication = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--quick":
          break;
        case "--broker-jar":
          brokerJar = Path.of(value(args, ++i, a));
          break;
        case "--broker-java-opts":
          brokerJavaOpts = value(args, ++i, a);
          break;
        case "--dir":
          dir = Path.of(value(args, ++i, a));
          break;
        case "--warmup":
          warmUp = seconds(value(args, ++i, a));
          break;
        case "--measure":
          window = seconds(value(args, ++i, a));
          break;
        case "--drain":
          drain = seconds(value(args, ++i, a));
          break;
        case "--runs":
          runs = Integer.parseInt(value(args, ++i, a));
          break;
        case "--only":
          scenarios = Set.of(value(args, ++i, a).split(","));
          if (!ALL_SCENARIOS.containsAll(scenarios)) {
            throw new IllegalArgumentException("unknown scenario in " + scenarios + "\n" + USAGE);
          }
          break;
        case "--sync-threads":
          syncThreads = Integer.parseInt(value(args, ++i, a));
          break;
        case "--producers":
          List<Integer> counts = new ArrayList<>();
          for (String n : value(args, ++i, a).split(",")) {
            counts.add(Integer.parseInt(n.trim()));
          }
          producerCounts = List.copyOf(counts);
          break;
        case "--consumers":
          consumers = Integer.parseInt(value(args, ++i, a));
          break;
        case "--consumer-threads":
          consumerThreads = Integer.parseInt(value(args, ++i, a));
          break;
        case "--consumer-cache":
          consumerCache = Integer.parseInt(value(args, ++i, a));
          break;
        case "--max-in-flight-mib":
          maxInFlightMib = Integer.parseInt(value(args, ++i, a));
          break;
        case "--max-in-flight-requests":
          maxInFlightRequests = Integer.parseInt(value(args, ++i, a));
          break;
        case "--rate":
          rate = Double.parseDouble(value(args, ++i, a));
          break;
        case "--message-size":
          messageSize = Integer.parseInt(value(args, ++i, a));
          break;
        case "--profile":
          profileDir = Path.of(value(args, ++i, a));
          break;
        case "--nodes":
          nodes = Integer.parseInt(value(args, ++i, a));
          break;
        case "--forwarded":
          forwarded = true;
          break;
        case "--replication":
          replication = value(args, ++i, a);
          if (!Set.of("none", "async", "sync").contains(replication)) {
            throw new IllegalArgumentException("--replication is none, async or sync\n" + USAGE);
          }
          break;
        default:
          throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
      }
    }
    if (brokerJar == null) {
      throw new IllegalArgumentException("--broker-jar is required\n" + USAGE);
    }
    if (nodes < 1) {
      throw new IllegalArgumentException("--nodes must be positive\n" + USAGE);
    }
    if (forwarded && nodes < 2) {
      throw new IllegalArgumentException("--forwarded needs --nodes 2 or more (one node has nothing to forward to)");
    }
    if (replication != null && nodes < 2) {
      throw new IllegalArgumentException("--replication needs --nodes 2 or more (a replica lives on another node)");
    }
    if (runs < 1 || syncThreads < 1 || consumers < 0 || consumerThreads < 1 || consumerCache < 1) {
      throw new IllegalArgumentException("counts must be positive\n" + USAGE);
    }
    if (maxInFlightRequests < 0) {
      throw new IllegalArgumentException("--max-in-flight-requests must not be negative\n" + USAGE);
    }
    if (rate < 0) {
      throw new IllegalArgumentException("--rate must not be negative\n" + USAGE);
    }
    if (messageSize < 16) {
      throw new IllegalArgumentException("--message-size must be at least 16 (the stamp)");
    }
    if (producerCounts.isEmpty() || producerCounts.stream().anyMatch(n -> n < 1)) {
      throw new IllegalArgumentException("--producers needs positive counts\n" + USAGE);
    }
    return new E2eOptions(
        brokerJar,
        brokerJavaOpts,
        dir,
        warmUp,
        window,
        runs,
        scenarios,
        syncThreads,
        producerCounts,
        consumers,
        consumerThreads,
        consumerCache,
        maxInFlightMib,
        maxInFlightRequests,
        rate,
        messageSize,
        drain,
        profileDir,
        nodes,
        forwarded,
        replication);
  }

  private static String value(List<String> args, int i, String option) {
    if (i >= args.size()) {
      throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
    }
    return args.get(i);
  }

  private static Duration seconds(String s) {
    return Duration.ofMillis((long) (Double.parseDouble(s) * 1000));
  }
}
