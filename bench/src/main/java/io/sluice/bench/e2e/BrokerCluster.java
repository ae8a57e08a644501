package io.sluice.bench.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The broker side of an end-to-end run: {@code N} node JVMs ({@link BrokerProcess}) forming one
 * cluster on 127.0.0.1. Node {@code i} (1-based) owns broker group {@code g<i>} and keeps its data
 * in {@code <runDir>/data} (one node) or {@code <runDir>/data-n<i>}; node 1 joins itself (it has no
 * seed nodes) and the others get node 1's cluster address as their seed. {@link #start} returns
 * once every node sees all {@code N} members Up ({@code GET /cluster/members} of each node's
 * management HTTP). CPU and GC figures are summed over the nodes.
 */
final class BrokerCluster implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  private static final Pattern UP = Pattern.compile("\"status\"\\s*:\\s*\"Up\"");
  private static final Pattern NO_UNREACHABLE = Pattern.compile("\"unreachable\"\\s*:\\s*\\[\\s*\\]");
  private static final Pattern QUEUE_GROUP = Pattern.compile("\"brokerGroup\"\\s*:\\s*\"([^\"]*)\"");

  private final List<BrokerProcess> nodes;
  private final List<BrokerProcess.Ready> ready;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private BrokerCluster(List<BrokerProcess> nodes, List<BrokerProcess.Ready> ready) {
    this.nodes = nodes;
    this.ready = ready;
  }

  /**
   * Starts {@code size} nodes and waits until each sees all of them Up.
   *
   * @param replication null for the nodes' defaults; else {@code none}, {@code async} or {@code
   *     sync} as {@code sluice.cluster.replication.mode}, and with async or sync every group is
   *     replicated on its own node and the next one ({@link #replicasOf}, in {@code
   *     sluice.controller.groups} on every node)
   */
  static BrokerCluster start(Path brokerJar, String javaOpts, int size, Path runDir, String replication)
      throws Exception {
    List<BrokerProcess> nodes = new ArrayList<>();
    List<BrokerProcess.Ready> ready = new ArrayList<>();
    try {
      nodes.add(startNode(brokerJar, javaOpts, size, 1, null, runDir, replication));
      ready.add(nodes.get(0).awaitReady(READY_TIMEOUT));
      String seed = ready.get(0).clusterAddress();
      if (size > 1 && seed.isEmpty()) {
        throw new IllegalStateException("node 1 printed no cluster address on its READY line");
      }
      for (int i = 2; i <= size; i++) {
        nodes.add(startNode(brokerJar, javaOpts, size, i, seed, runDir, replication));
      }
      for (int i = 1; i < size; i++) {
        ready.add(nodes.get(i).awaitReady(READY_TIMEOUT));
      }
      BrokerCluster cluster = new BrokerCluster(List.copyOf(nodes), List.copyOf(ready));
      cluster.awaitAllUp(READY_TIMEOUT);
      return cluster;
    } catch (Exception | Error e) {
      nodes.forEach(BrokerProcess::close);
      throw e;
    }
  }

  private static BrokerProcess startNode(
      Path brokerJar, String javaOpts, int size, int i, String seed, Path runDir, String replication)
      throws IOException {
    List<String> clusterOpts = new ArrayList<>();
    clusterOpts.add("-Dsluice.cluster.broker-group=g" + i);
    if (replication != null) {
      clusterOpts.add("-Dsluice.cluster.replication.mode=" + replication);
      if (!replication.equals("none")) {
        for (int k = 1; k <= size; k++) {
          List<String> replicas = replicasOf(size, k);
          for (int r = 0; r < replicas.size(); r++) {
            clusterOpts.add("-Dsluice.controller.groups.g" + k + "." + r + "=" + replicas.get(r));
          }
        }
      }
    }
    if (seed != null) {
      clusterOpts.add("-Dpekko.cluster.seed-nodes.0=pekko://sluice@" + seed);
    }
    Path data = Files.createDirectories(runDir.resolve(size == 1 ? "data" : "data-n" + i));
    return BrokerProcess.start(brokerJar, javaOpts, clusterOpts, data, runDir, logName(size, i));
  }

  /**
   * The replicas of group {@code g<k>} of {@code size}: its own node's group (the preferred master)
   * and the next node's, which so keeps a replica of the previous node's group.
   */
  static List<String> replicasOf(int size, int k) {
    return List.of("g" + k, "g" + (k % size + 1));
  }

  /**
   * One line per node on its replication ({@code GET /cluster/replication}): each group it
   * masters with its log end and commit position, and each replica with its lag and whether it
   * is in sync.
   */
  List<String> replicationState() throws InterruptedException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      lines.add("n" + (i + 1) + " " + get(i, "/cluster/replication"));
    }
    return lines;
  }

  /** Base name of node {@code i}'s log files: {@code broker} for a single node, else {@code broker-n<i>}. */
  static String logName(int size, int i) {
    return size == 1 ? "broker" : "broker-n" + i;
  }

  private void awaitAllUp(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (int i = 0; i < nodes.size() && all; i++) {
        last = get(i, "/cluster/members");
        all = UP.matcher(last).results().count() == nodes.size() && NO_UNREACHABLE.matcher(last).find();
      }
      if (all) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "the " + nodes.size() + " nodes were not all Up within " + timeout + "; last /cluster/members: " + last);
  }

  /** Body of a management GET on node {@code index} (0-based), or "" when it does not answer 200. */
  String get(int index, String path) throws InterruptedException {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + ready.get(index).managementPort() + path))
                  .timeout(Duration.ofSeconds(5))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** How many queues each broker group holds, as node 1 sees the topics ({@code GET /cluster/queues}). */
  Map<String, Integer> queuesPerGroup() throws InterruptedException {
    Map<String, Integer> counts = new TreeMap<>();
    Matcher m = QUEUE_GROUP.matcher(get(0, "/cluster/queues"));
    while (m.find()) {
      counts.merge(m.group(1).isEmpty() ? "(none)" : m.group(1), 1, Integer::sum);
    }
    return counts;
  }

  int size() {
    return nodes.size();
  }

  List<BrokerProcess> nodes() {
    return nodes;
  }

  /** The gRPC endpoints ({@code 127.0.0.1:<port>}) of the nodes, node 1 first. */
  List<String> endpoints() {
    return ready.stream().map(r -> "127.0.0.1:" + r.grpcPort()).toList();
  }

  /** CPU time all nodes used so far (user + system), in nanoseconds; -1 if any is unknown. */
  long cpuNanos() {
    long sum = 0;
    for (BrokerProcess n : nodes) {
      long ns = n.cpuNanos();
      if (ns < 0) {
        return -1;
      }
      sum += ns;
    }
    return sum;
  }

  /** Each node's uptime in ms (the time base of its GC log), for {@link #gcPauses}. */
  long[] uptimes() {
    return nodes.stream().mapToLong(BrokerProcess::uptimeMillis).toArray();
  }

  /**
   * GC pauses of all nodes between two {@link #uptimes} readings.
   *
   * @return {count, total ms, max ms} summed (max: the largest) over the nodes
   */
  long[] gcPauses(long[] from, long[] to) {
    long[] sum = {0, 0, 0};
    for (int i = 0; i < nodes.size(); i++) {
      long[] p = CpuClock.brokerGcPauses(nodes.get(i).gcLog(), from[i], to[i]);
      if (p[0] < 0) {
        return p;
      }
      sum[0] += p[0];
      sum[1] += p[1];
      sum[2] = Math.max(sum[2], p[2]);
    }
    return sum;
  }

  /** WARN and ERROR lines of all nodes (each prefixed with its node when there are several). */
  List<String> problems() {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      String prefix = nodes.size() == 1 ? "" : "n" + (i + 1) + ": ";
      nodes.get(i).problems().forEach(l -> all.add(prefix + l));
    }
    return all;
  }

  /**
   * Stops every node (SIGTERM, then SIGKILL after 30 s), the last started first, so node 1 (the
   * seed) leaves last.
   *
   * @return each node's exit status, node 1 first
   */
  int[] stop() throws InterruptedException {
    int[] exits = new int[nodes.size()];
    for (int i = nodes.size() - 1; i >= 0; i--) {
      exits[i] = nodes.get(i).stop();
    }
    return exits;
  }

  @Override
  public void close() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
  }
}
