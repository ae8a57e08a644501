package io.sluice.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.client.SluiceClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A Sluice cluster of N node JVMs on 127.0.0.1 (loopback mode of ../shared/CLUSTER.md section 6):
 * node i (1-based) keeps its data in {@code <root>/n<i>} and owns broker group {@code g<i>}; gRPC,
 * management and Artery ports are 0, so clusters form without fixed ports: the first node joins
 * itself and prints its cluster address on its READY line, and every node started later gets the
 * nodes running at that moment as {@code pekko.cluster.seed-nodes} (a restarted node never joins
 * itself, which would make a second cluster). A restarted node serves gRPC on the port it had.
 * Split Brain Resolver: keep-majority with a short
 * {@code stable-after}, so tests see a dead node removed in about 10 s.
 */
public final class ClusterHarness implements AutoCloseable {
  /**
   * SBR's stable-after for the test nodes: 4 s, or the system property {@code sluice.it.stable-after}
   * in seconds (e.g. {@code -Dsluice.it.stable-after=7s}, the shipped value, to measure failover as
   * shipped). Pekko's default is 20 s.
   */
  public static final Duration STABLE_AFTER = stableAfter(System.getProperty("sluice.it.stable-after", "4s"));
  /** How long membership changes may take: failure detection, SBR, removal, on a busy 2-core machine. */
  public static final Duration MEMBERSHIP_TIMEOUT = Duration.ofSeconds(60);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root;
  private final IntFunction<BrokerProcess.Placement> placement;
  private final List<String> extraJvmArgs;
  private final IntFunction<List<String>> nodeJvmArgs;
  private final BrokerProcess[] nodes;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<SluiceClient> clients = new ArrayList<>();

  /**
   * A cluster of {@code size} nodes, none started yet.
   *
   * @param root directory under which each node's data directory lives (a JUnit {@code @TempDir})
   * @param size node count
   * @param extraJvmArgs JVM options for every node, after the harness's own
   */
  public ClusterHarness(Path root, int size, String... extraJvmArgs) {
    this(root, size, i -> BrokerProcess.Placement.LOOPBACK, i -> List.of(), extraJvmArgs);
  }

  /**
   * A cluster of {@code size} nodes, none started yet: node {@code i} runs where {@code placement}
   * says (its JVM's command prefix and the address it binds; see {@link NetnsCluster}) and also
   * gets {@code nodeJvmArgs.apply(i)} after {@code extraJvmArgs}, e.g. the groups it follows.
   */
  public ClusterHarness(Path root, int size, IntFunction<BrokerProcess.Placement> placement,
      IntFunction<List<String>> nodeJvmArgs, String... extraJvmArgs) {
    this.root = root;
    this.placement = placement;
    this.extraJvmArgs = List.of(extraJvmArgs);
    this.nodeJvmArgs = nodeJvmArgs;
    this.nodes = new BrokerProcess[size];
  }

  /** How many nodes the cluster has (running or not). */
  public int size() {
    return nodes.length;
  }

  /** The data directory of node {@code i}; the same across restarts. */
  public Path dataDir(int i) {
    return root.resolve("n" + i);
  }

  /** The broker group node {@code i} owns. */
  public static String brokerGroup(int i) {
    return "g" + i;
  }

  /**
   * The {@code -D} options that configure the replicated layout of {@code size} nodes on every
   * node ({@code sluice.controller.groups}): group {@code g<k>} has the replicas {@code g<k>} (its
   * own node, preferred master) and {@code g<k % size + 1>} (the next node), e.g. g1 = {n1*, n2},
   * g2 = {n2*, n3}, g3 = {n3*, n1} for 3 nodes.
   */
  public static List<String> replicaRing(int size) {
    List<String> args = new ArrayList<>();
    for (int k = 1; k <= size; k++) {
      args.add("-Dsluice.controller.groups." + brokerGroup(k) + ".0=" + brokerGroup(k));
      args.add("-Dsluice.controller.groups." + brokerGroup(k) + ".1=" + brokerGroup(k % size + 1));
    }
    return args;
  }

  /**
   * Starts every node that is not running and waits until all are Up. When none runs, node 1
   * joins itself first (a new cluster, or a full restart of all nodes on their data); the others
   * then join the running ones, two at a time.
   */
  public void startAll() {
    List<Integer> down = IntStream.rangeClosed(1, size()).filter(i -> !isRunning(i)).boxed().toList();
    List<Integer> rest = new ArrayList<>(down);
    if (running().isEmpty() && !rest.isEmpty()) {
      nodes[rest.get(0) - 1] = startNode(rest.get(0), List.of());
      rest.remove(0);
    }
    List<String> seeds = seeds();
    List<CompletableFuture<BrokerProcess>> starting = new ArrayList<>();
    for (int i : rest) {
      starting.add(CompletableFuture.supplyAsync(() -> startNode(i, seeds)));
    }
    for (int k = 0; k < rest.size(); k++) {
      nodes[rest.get(k) - 1] = starting.get(k).join();
    }
    awaitUp(size());
  }

  /** Restarts node {@code i} (stopped or killed before) on its data directory, joining the running nodes. */
  public BrokerProcess restart(int i) {
    if (isRunning(i)) {
      throw new IllegalStateException("node " + i + " is running");
    }
    List<String> seeds = seeds();
    if (seeds.isEmpty()) {
      throw new IllegalStateException("no node runs: use startAll() to restart the whole cluster");
    }
    nodes[i - 1] = startNode(i, seeds);
    return nodes[i - 1];
  }

  private BrokerProcess startNode(int i, List<String> seeds) {
    List<String> args = new ArrayList<>();
    args.add("-Xmx384m");
    args.add("-Dsluice.cluster.broker-group=" + brokerGroup(i));
    args.add("-Dpekko.cluster.split-brain-resolver.active-strategy=keep-majority");
    args.add("-Dpekko.cluster.split-brain-resolver.stable-after=" + STABLE_AFTER.toSeconds() + "s");
    if (nodes[i - 1] != null) {
      // back on the port it had, so that clients knowing its endpoint reconnect
      args.add("-Dsluice.gateway.grpc.port=" + nodes[i - 1].grpcPort());
    }
    for (int s = 0; s < seeds.size(); s++) {
      args.add("-Dpekko.cluster.seed-nodes." + s + "=pekko://sluice@" + seeds.get(s));
    }
    args.addAll(extraJvmArgs);
    args.addAll(nodeJvmArgs.apply(i));
    return BrokerProcess.start(placement.apply(i), dataDir(i), args.toArray(new String[0]));
  }

  /** Whole seconds, written {@code 7s} or {@code 7}. */
  static Duration stableAfter(String seconds) {
    String digits = seconds.strip().endsWith("s") ? seconds.strip().substring(0, seconds.strip().length() - 1) : seconds;
    return Duration.ofSeconds(Long.parseLong(digits.strip()));
  }

  private List<String> seeds() {
    return running().stream().map(i -> node(i).clusterAddress()).collect(Collectors.toList());
  }

  /** The node process of {@code i} (the latest one started; it may have exited). */
  public BrokerProcess node(int i) {
    BrokerProcess n = nodes[i - 1];
    if (n == null) {
      throw new IllegalStateException("node " + i + " was never started");
    }
    return n;
  }

  /** Whether node {@code i} has a live process. */
  public boolean isRunning(int i) {
    return nodes[i - 1] != null && nodes[i - 1].isAlive();
  }

  /** The nodes with a live process, by number. */
  public List<Integer> running() {
    return IntStream.rangeClosed(1, size()).filter(this::isRunning).boxed().toList();
  }

  /** Kills node {@code i} at once (SIGKILL) and waits until its process is gone. */
  public void sigkill(int i) {
    node(i).sigkill();
  }

  /** Pauses node {@code i}'s JVM (SIGSTOP): it keeps its sockets but answers nothing until {@link #sigcont}. */
  public void sigstop(int i) {
    node(i).sigstop();
  }

  /** Resumes node {@code i}'s JVM paused by {@link #sigstop} (SIGCONT). */
  public void sigcont(int i) {
    node(i).sigcont();
  }

  /** Stops node {@code i} gracefully (SIGTERM: it leaves the cluster) and waits until it exits. */
  public int sigterm(int i) {
    node(i).sigterm();
    return node(i).waitFor(Duration.ofSeconds(90));
  }

  /**
   * Waits until every running node sees exactly {@code count} members, all Up, none unreachable
   * (a killed node has been downed and removed by SBR; a restarted one is Up).
   */
  public void awaitUp(int count) {
    Await.until(count + " members Up on every running node", MEMBERSHIP_TIMEOUT, () -> {
      for (int i : running()) {
        Members m = membersOrNull(i);
        if (m == null || m.up().size() != count || m.all() != count || !m.unreachable().isEmpty()) {
          return false;
        }
      }
      return true;
    }, () -> running().stream().map(i -> "n" + i + ": " + membersOrNull(i)).collect(Collectors.joining("; ")));
  }

  /** Membership as node {@code i} sees it ({@code /cluster/members} of its management HTTP). */
  public Members members(int i) {
    Members m = membersOrNull(i);
    if (m == null) {
      throw new IllegalStateException("node " + i + " did not answer /cluster/members");
    }
    return m;
  }

  /** Membership as node {@code i} sees it, or null when it is not running or does not answer. */
  Members membersOrNull(int i) {
    if (!isRunning(i)) {
      return null;
    }
    try {
      HttpResponse<String> r = http.send(
          HttpRequest.newBuilder(URI.create("http://" + node(i).host() + ":" + node(i).managementPort() + "/cluster/members"))
              .timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Members.parse(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * {@code GET /cluster/replication} of node {@code i}: each broker group it carries, as master
   * or replica (see the gateway's ReplicationRoute), or null when it does not answer.
   */
  public JsonNode replication(int i) {
    return getJson(i, "/cluster/replication");
  }

  /**
   * Broker group {@code group} as node {@code i} shows it on {@code GET /cluster/replication}
   * (its role, epoch, log end, and a master's replicas), or null when the node does not answer or
   * does not carry the group.
   */
  public JsonNode replicationOf(int i, String group) {
    JsonNode r = replication(i);
    if (r == null) {
      return null;
    }
    for (JsonNode g : r.path("groups")) {
      if (g.path("group").asText().equals(group)) {
        return g;
      }
    }
    return null;
  }

  /** Whether node {@code i} shows itself as the master of {@code group} on {@code /cluster/replication}. */
  public boolean isMasterOf(int i, String group) {
    JsonNode g = replicationOf(i, group);
    return g != null && "master".equals(g.path("role").asText());
  }

  /**
   * {@code POST <path>} (with its query) on node {@code i}'s management HTTP, e.g. the replication
   * admin calls {@code /cluster/replication/<group>/switch}; the status code and body.
   */
  public HttpAnswer post(int i, String pathAndQuery) {
    try {
      HttpResponse<String> r = http.send(
          HttpRequest.newBuilder(URI.create("http://" + node(i).host() + ":" + node(i).managementPort() + pathAndQuery))
              .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      return new HttpAnswer(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new AssertionError("POST " + pathAndQuery + " to n" + i + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** A management HTTP answer. */
  public record HttpAnswer(int status, String body) {}

  private JsonNode getJson(int i, String path) {
    if (!isRunning(i)) {
      return null;
    }
    try {
      HttpResponse<String> r = http.send(
          HttpRequest.newBuilder(URI.create("http://" + node(i).host() + ":" + node(i).managementPort() + path))
              .timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * The node running the cluster singletons (the topic registry): the oldest Up member, as every
   * running node sees it (waits until they agree).
   */
  public int singletonNode() {
    int[] found = {-1};
    Await.until("the running nodes agree on the oldest member", MEMBERSHIP_TIMEOUT, () -> {
      String oldest = null;
      for (int i : running()) {
        Members m = membersOrNull(i);
        if (m == null || m.oldest() == null || oldest != null && !oldest.equals(m.oldest())) {
          return false;
        }
        oldest = m.oldest();
      }
      found[0] = nodeAt(oldest);
      return found[0] > 0;
    });
    return found[0];
  }

  /** The running node whose cluster address is {@code address} ({@code pekko://sluice@host:port}), or -1. */
  public int nodeAt(String address) {
    for (int i : running()) {
      if (address != null && address.endsWith("@" + node(i).clusterAddress())) {
        return i;
      }
    }
    return -1;
  }

  /** A client of node {@code i} only (closed with the harness). */
  public SluiceClient client(int i) {
    SluiceClient c = SluiceClient.builder().endpoints(node(i).endpoint()).requestTimeout(Duration.ofSeconds(30))
        .retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build();
    synchronized (clients) {
      clients.add(c);
    }
    return c;
  }

  /** A client knowing the running nodes as endpoints (closed with the harness). */
  public SluiceClient clientOfAll() {
    return clientOfAll(b -> b);
  }

  /**
   * A client knowing the running nodes as endpoints, built with the harness's settings and then
   * {@code tune} (e.g. {@code b -> b.maxAttempts(1)}); closed with the harness.
   */
  public SluiceClient clientOfAll(UnaryOperator<SluiceClient.Builder> tune) {
    return clientOf(running(), tune);
  }

  /**
   * A client knowing only {@code nodes} as endpoints (e.g. every node but a frozen one), built with
   * the harness's settings and then {@code tune}; closed with the harness.
   */
  public SluiceClient clientOf(List<Integer> nodes, UnaryOperator<SluiceClient.Builder> tune) {
    SluiceClient c = tune.apply(SluiceClient.builder()
        .endpoints(nodes.stream().map(i -> node(i).endpoint()).collect(Collectors.toList()))
        .requestTimeout(Duration.ofSeconds(30)).retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))).build();
    synchronized (clients) {
      clients.add(c);
    }
    return c;
  }

  /** Closes the clients, then kills every node still running. */
  @Override
  public void close() throws Exception {
    List<AutoCloseable> all = new ArrayList<>();
    synchronized (clients) {
      all.addAll(clients);
    }
    Arrays.stream(nodes).filter(n -> n != null).forEach(all::add);
    Closer.closeAll(all.toArray(new AutoCloseable[0]));
  }

  /**
   * A node's view of the cluster.
   *
   * @param up addresses of the Up members
   * @param all how many members it lists, whatever their status
   * @param unreachable addresses of members it cannot reach
   * @param oldest address of the oldest Up member (where singletons run), or null
   */
  public record Members(List<String> up, int all, List<String> unreachable, String oldest) {
    static Members parse(String json) throws IOException {
      JsonNode root = JSON.readTree(json);
      List<String> up = new ArrayList<>();
      for (JsonNode m : root.path("members")) {
        if ("Up".equals(m.path("status").asText())) {
          up.add(m.path("node").asText());
        }
      }
      List<String> unreachable = new ArrayList<>();
      for (JsonNode u : root.path("unreachable")) {
        unreachable.add(u.path("node").asText());
      }
      String oldest = root.hasNonNull("oldest") ? root.get("oldest").asText() : null;
      return new Members(up, root.path("members").size(), unreachable, oldest);
    }
  }
}
