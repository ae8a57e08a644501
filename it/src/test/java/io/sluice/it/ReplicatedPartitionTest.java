package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.client.MessageType;
import io.sluice.client.SluiceClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network partitions of replicated broker groups (issue #13, ../shared/CLUSTER.md section 6):
 * nodes in network namespaces ({@link NetnsCluster}), {@code sync} replication, controller-elected
 * failover, SBR keep-majority with the harness's {@code stable-after}. The load is {@link
 * Workload.GroupProducing} (one FIFO message group per queue, unknown outcomes resent under the
 * same id) through a client knowing every node; the faults cut node-to-node traffic only, so the
 * client still reaches a cut-off master and would see anything it acknowledged. Each run ends with
 * a fresh group draining every queue and {@link HistoryChecker}: 0 acknowledged lost, nothing
 * unexpected, no offset with two ids, dense offsets, FIFO per message group.
 *
 * <p>Each scenario runs {@code -Dsluice.it.partition.runs} times in a row (default 1), each run on
 * a new cluster and network, and prints {@code [it] partition <scenario> run i/n: failover_ms=...
 * lost=... duplicates=... unknown=...} (failover: fault to the first acknowledged send, on a queue
 * of the affected group, of an attempt that started after the fault), then a summary line with
 * the median and maximum. A failed run copies its nodes' logs to {@code target/partition-logs/}.
 */
@Tag("partitions")
@ExtendWith(BrokerLogsOnFailure.class)
class ReplicatedPartitionTest {
  static final String TOPIC = "load";
  static final int RUNS = Integer.getInteger("sluice.it.partition.runs", 1);
  /** Drained messages: some 50,000 to 100,000 per run, read on a busy 2-core machine. */
  static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(5);
  static final Duration TIMEOUT = ReplicaGroups.TIMEOUT;
  /** A request timeout above the gateway's ask timeout (10 s), so that the node's own answer comes first. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

  /** Pekko's failure-detector acceptable pause for the 5-node scenarios (Pekko's default 3 s). */
  static final String FIVE_NODE_HEARTBEAT_PAUSE = "8s";

  @TempDir Path tmp;
  NetnsCluster net;
  ClusterHarness cluster;
  ReplicaGroups groups;
  final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    closeRun();
  }

  void closeRun() throws Exception {
    List<AutoCloseable> all = new ArrayList<>(opened);
    opened.clear();
    Collections.reverse(all);
    if (net != null) {
      all.add(net);
    }
    net = null;
    Closer.closeAll(all.toArray(new AutoCloseable[0]));
  }

  <T extends AutoCloseable> T open(T resource) {
    opened.add(resource);
    return resource;
  }

  /** One run's cluster: {@code size} nodes in namespaces, {@code layout} replicated with {@code sync}. */
  void startRun(Path dir, int size, Map<String, List<Integer>> layout, int queues) {
    List<String> args = new ArrayList<>(List.of("-Dsluice.cluster.replication.mode=sync",
        "-Dsluice.cluster.replication.replica-max-lag=3s"));
    if (size > 3) {
      // five JVMs on 2 shared cores: heartbeats came 3 to 6 s late and SBR downed nodes while they started
      args.add("-Dpekko.cluster.failure-detector.acceptable-heartbeat-pause=" + FIVE_NODE_HEARTBEAT_PAUSE);
    }
    args.addAll(ReplicaGroups.jvmArgs(layout));
    net = NetnsCluster.create(dir, size, args.toArray(new String[0]));
    cluster = net.cluster();
    cluster.startAll();
    groups = new ReplicaGroups(cluster, layout);
    groups.awaitAllReplicated();
    cluster.client(1).admin().createTopic(TOPIC, queues, MessageType.NORMAL);
  }

  Workload.GroupProducing startLoad(History history, int queues, int rate) {
    SluiceClient client = cluster.clientOfAll(b -> b.requestTimeout(REQUEST_TIMEOUT).maxAttempts(1));
    return open(new Workload.GroupProducing(client, "p", TOPIC, queues, history, rate, Duration.ofSeconds(60)));
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * (1) 3 nodes, g1 = {n1, n2}, g2 = {n2, n3}, g3 = {n3, n1}, 2,000 msg/s over 24 queues. The master
   * of a group not on the controller's node is cut off from the other nodes: the majority elects
   * the replica and writes resume; the cut-off master's commit position does not move (it
   * acknowledges nothing: its pending writes time out as outcome unknown); SBR downs it and its JVM
   * exits; healed and restarted, it returns as a replica (cutting any divergent tail) in sync.
   */
  @Test
  void isolatedMasterIsReplacedAndReturnsAsAReplica() throws Exception {
    repeat("isolate-master", run -> {
      startRun(run, 3, ReplicaGroups.ring(3), 24);
      int controller = cluster.singletonNode();
      Map<String, Integer> masters = groups.awaitAllReplicated();
      String g = groupNotMasteredOn(masters, controller);
      int m = masters.get(g);
      int heir = otherCarrier(g, m);
      Set<Integer> queues = groups.queuesOf(TOPIC, g, heir);
      History history = new History();
      Workload.GroupProducing load = startLoad(history, 24, 2_000);
      awaitAcked(history, load, 2_000);

      net.split(Set.of(m), Set.copyOf(othersThan(m)));
      long fault = System.nanoTime();
      long cutCommit = groups.commitPosition(m, g);
      Set<String> cutInSync = groups.inSyncSet(m, g);
      CommitWatch watch = open(new CommitWatch(groups, m, g));
      long firstAck = awaitFirstAckAfter(load, queues, fault, g);
      groups.awaitMaster(heir, g);
      long promotedMs = millisSince(fault);
      Await.until("the cut-off n" + m + " downed by SBR, its JVM exited", TIMEOUT, () -> !cluster.isRunning(m));
      long exitedMs = millisSince(fault);
      watch.close();
      assertTrue(cutInSync.contains(ReplicaGroups.replicaId(heir)),
          "n" + heir + " was not in " + g + "'s in-sync set at the cut: " + cutInSync);
      assertEquals(cutCommit, watch.max(), "the cut-off master n" + m + " of " + g + " advanced its commit position");

      net.heal();
      long restarted = System.nanoTime();
      cluster.restart(m);
      groups.awaitReplica(m, g);
      groups.awaitInSync(heir, g, m);
      groups.awaitAllReplicated();
      long backMs = millisSince(restarted);
      String notes = String.format("n%d master of %s cut off (controller on n%d); n%d master after %d ms; n%d exited"
          + " after %d ms; its commit position stayed %d; restarted, a replica in sync %d ms later, divergent tail %d"
          + " bytes", m, g, controller, heir, promotedMs, m, exitedMs, cutCommit, backMs, groups.divergentBytes(m, g));
      return finish(history, load, millis(fault, firstAck), notes);
    });
  }

  /**
   * (2) RocketMQ #7017: 5 nodes, g1 with 3 replicas {n1, n2, n3}, the other groups RF 2 (g2 = {n2,
   * n3}, g3 = {n3, n4}, g4 = {n4, n5}, g5 = {n5, n1}), 1,000 msg/s over 20 queues. g1's master and
   * another of its replicas are split from the other three nodes: the minority acknowledges nothing
   * and keeps its in-sync set (the controller's decisions need a majority), the majority elects
   * g1's third replica, SBR downs the minority; healed and restarted, both return as replicas.
   */
  @Test
  void masterAndSlaveSplitFromTheMajorityLoseNothing() throws Exception {
    Map<String, List<Integer>> layout = new LinkedHashMap<>();
    layout.put("g1", List.of(1, 2, 3));
    layout.put("g2", List.of(2, 3));
    layout.put("g3", List.of(3, 4));
    layout.put("g4", List.of(4, 5));
    layout.put("g5", List.of(5, 1));
    repeat("split-master-slave-rf3", run -> {
      startRun(run, 5, layout, 20);
      int controller = cluster.singletonNode();
      int m = groups.awaitAllReplicated().get("g1");
      List<Integer> slaves = groups.nodesOf("g1").stream().filter(i -> i != m).toList();
      int s = slaves.get(0);
      int heir = slaves.get(1);
      Set<Integer> minority = Set.of(m, s);
      Set<Integer> majority = IntStream.rangeClosed(1, 5).boxed().filter(i -> !minority.contains(i))
          .collect(Collectors.toSet());
      Set<Integer> queues = groups.queuesOf(TOPIC, "g1", heir);
      History history = new History();
      Workload.GroupProducing load = startLoad(history, 20, 1_000);
      awaitAcked(history, load, 2_000);

      net.split(minority, majority);
      long fault = System.nanoTime();
      long cutCommit = groups.commitPosition(m, "g1");
      Set<String> cutInSync = groups.inSyncSet(m, "g1");
      CommitWatch watch = open(new CommitWatch(groups, m, "g1"));
      long firstAck = awaitFirstAckAfter(load, queues, fault, "g1");
      groups.awaitMaster(heir, "g1");
      long promotedMs = millisSince(fault);
      Await.until("the minority " + minority + " downed by SBR, its JVMs exited", TIMEOUT,
          () -> minority.stream().noneMatch(cluster::isRunning));
      long exitedMs = millisSince(fault);
      watch.close();
      assertTrue(cutInSync.contains(ReplicaGroups.replicaId(heir)), "n" + heir + " was not in g1's in-sync set at the cut: "
          + cutInSync);
      assertEquals(cutCommit, watch.max(), "the cut-off master n" + m + " of g1 advanced its commit position");
      assertEquals(Set.of(cutInSync), watch.inSyncSets(), "the cut-off master n" + m + " changed g1's in-sync set");

      net.heal();
      long restarted = System.nanoTime();
      cluster.restart(m);
      cluster.restart(s);
      groups.awaitReplica(m, "g1");
      groups.awaitReplica(s, "g1");
      groups.awaitAllReplicated();
      long backMs = millisSince(restarted);
      String notes = String.format("{n%d master, n%d} | %s, controller on n%d; n%d master of g1 after %d ms; minority"
          + " exited after %d ms; n%d's commit position stayed %d, in-sync set %s; both back as replicas in sync %d"
          + " ms after the restart; divergent tail n%d %d bytes, n%d %d bytes", m, s, majority, controller, heir,
          promotedMs, exitedMs, m, cutCommit, cutInSync, backMs, m, groups.divergentBytes(m, "g1"), s,
          groups.divergentBytes(s, "g1"));
      return finish(history, load, millis(fault, firstAck), notes);
    });
  }

  /**
   * (3) RocketMQ #4800: 3 nodes (ring), 2,000 msg/s over 24 queues; the frames a master (not on the
   * controller's node) sends to the other nodes are dropped, what it receives is not. Every node's
   * view is polled all along: no two nodes ever show themselves master of a group in the same
   * epoch; the cluster settles (the running nodes see each other Up, every group an ACTIVE master),
   * and after the heal every node is back.
   */
  @Test
  void oneWayPartitionOfAMasterKeepsOneMasterPerEpoch() throws Exception {
    repeat("one-way-master", run -> {
      startRun(run, 3, ReplicaGroups.ring(3), 24);
      int controller = cluster.singletonNode();
      Map<String, Integer> masters = groups.awaitAllReplicated();
      String g = groupNotMasteredOn(masters, controller);
      int m = masters.get(g);
      Set<Integer> queues = groups.queuesOf(TOPIC, g, otherCarrier(g, m));
      History history = new History();
      Workload.GroupProducing load = startLoad(history, 24, 2_000);
      awaitAcked(history, load, 2_000);
      MasterWatch masterWatch = open(new MasterWatch(cluster, groups));

      for (int other : othersThan(m)) {
        net.cut(m, other);
      }
      long fault = System.nanoTime();
      long firstAck = awaitFirstAckAfter(load, queues, fault, g);
      Await.until("the cluster settles: the running nodes see each other Up and every group has an ACTIVE master",
          TIMEOUT, () -> PartitionTest.resolved(cluster)
              && groups.groups().stream().allMatch(x -> groups.activeMasterOrNone(x) > 0),
          () -> cluster.running().stream().map(i -> "n" + i + ": " + cluster.membersOrNull(i))
              .collect(Collectors.joining("; ")));
      long settledMs = millisSince(fault);
      List<Integer> survivors = cluster.running();
      String newMaster = "n" + groups.activeMasterOrNone(g);

      net.heal();
      for (int i = 1; i <= 3; i++) {
        if (!cluster.isRunning(i)) {
          cluster.restart(i);
        }
      }
      cluster.awaitUp(3);
      groups.awaitAllReplicated();
      masterWatch.close();
      assertEquals(Map.of(), masterWatch.conflicts(), "nodes showing themselves master of a group in the same epoch");
      String notes = String.format("n%d -> {others} dropped, n%d master of %s (controller on n%d); settled after %d ms"
          + " on %s, %s master of %s; masters seen (group@epoch -> nodes) %s", m, m, g, controller, settledMs,
          survivors, newMaster, g, masterWatch.claims());
      return finish(history, load, millis(fault, firstAck), notes);
    });
  }

  /**
   * (4) RocketMQ #7689: 5 nodes (ring: g<k> = {n<k>, n<k+1>}), 1,000 msg/s over 20 queues; the
   * controller's node (the oldest) and the master of a group carried by neither are SIGKILLed at
   * once. A new controller on the survivors elects the group's replica from the replicas' reports;
   * both nodes, restarted, return; 0 acknowledged lost and dense offsets (the checker's offset
   * integrity).
   */
  @Test
  void masterAndControllerKilledTogether() throws Exception {
    repeat("kill-master-and-controller", run -> {
      startRun(run, 5, ReplicaGroups.ring(5), 20);
      int controller = cluster.singletonNode();
      Map<String, Integer> masters = groups.awaitAllReplicated();
      String g = masters.keySet().stream()
          .filter(x -> masters.get(x) != controller && !groups.nodesOf(x).contains(controller)).findFirst()
          .orElseThrow(() -> new AssertionError("every group is on the controller's node n" + controller));
      int m = masters.get(g);
      int heir = otherCarrier(g, m);
      Set<Integer> queues = groups.queuesOf(TOPIC, g, heir);
      History history = new History();
      Workload.GroupProducing load = startLoad(history, 20, 1_000);
      awaitAcked(history, load, 2_000);

      long fault = System.nanoTime();
      CompletableFuture.allOf(CompletableFuture.runAsync(() -> cluster.sigkill(controller)),
          CompletableFuture.runAsync(() -> cluster.sigkill(m))).join();
      long firstAck = awaitFirstAckAfter(load, queues, fault, g);
      groups.awaitMaster(heir, g);
      long promotedMs = millisSince(fault);
      int newController = cluster.singletonNode();

      long restarted = System.nanoTime();
      cluster.restart(controller);
      cluster.restart(m);
      cluster.awaitUp(5);
      groups.awaitReplica(m, g);
      groups.awaitAllReplicated();
      long backMs = millisSince(restarted);
      String notes = String.format("SIGKILL of n%d (controller) and n%d (master of %s); controller now on n%d; n%d"
          + " master of %s after %d ms; both back, every group replicated %d ms after the restarts; divergent tail"
          + " of n%d %d bytes", controller, m, g, newController, heir, g, promotedMs, backMs, m,
          groups.divergentBytes(m, g));
      return finish(history, load, millis(fault, firstAck), notes);
    });
  }

  // ---------------------------------------------------------------------------------------------

  /** One run of a scenario, on a fresh cluster under {@code dir}. */
  interface Run {
    Figures run(Path dir) throws Exception;
  }

  /** What a run measured. */
  record Figures(long failoverMs, int lost, int duplicates, int unknown, String notes) {}

  /** Runs {@code scenario} {@link #RUNS} times in a row, printing each run's figures and a summary. */
  void repeat(String scenario, Run run) throws Exception {
    List<Figures> all = new ArrayList<>();
    for (int r = 1; r <= RUNS; r++) {
      String load = loadAverage();
      long start = System.nanoTime();
      Path dir = tmp.resolve(scenario + "-" + r);
      Figures f;
      try {
        f = run.run(dir);
      } catch (Throwable e) {
        report(String.format("[it] partition %s run %d/%d FAILED after %d s: %s", scenario, r, RUNS,
            millisSince(start) / 1000, e));
        keepLogs(scenario + "-" + r);
        throw e;
      } finally {
        closeRun();
      }
      all.add(f);
      report(String.format("[it] partition %s run %d/%d: failover_ms=%d lost=%d duplicates=%d unknown=%d; %s; run %d s,"
          + " load average %s -> %s", scenario, r, RUNS, f.failoverMs(), f.lost(), f.duplicates(), f.unknown(),
          f.notes(), millisSince(start) / 1000, load, loadAverage()));
    }
    List<Long> times = all.stream().map(Figures::failoverMs).sorted().toList();
    report(String.format("[it] partition %s summary over %d runs: failover_ms %s median %d max %d; lost %s;"
        + " duplicates %s; unknown %s", scenario, RUNS, all.stream().map(Figures::failoverMs).toList(),
        times.get(times.size() / 2), times.get(times.size() - 1), all.stream().map(Figures::lost).toList(),
        all.stream().map(Figures::duplicates).toList(), all.stream().map(Figures::unknown).toList()));
  }

  /**
   * Prints a result line and appends it to {@code target/partition-runs.log} at once (surefire
   * writes a class's output file only when the class ends; a 5-run loop takes an hour or more).
   */
  static void report(String line) {
    System.out.println(line);
    try {
      Files.writeString(Path.of("target", "partition-runs.log"), line + System.lineSeparator(),
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      System.out.println("[it] partition: cannot append to target/partition-runs.log: " + e);
    }
  }

  /**
   * Waits for 1,000 more acknowledged sends after the heal, stops the load, drains every queue with
   * a fresh group and checks the history.
   */
  Figures finish(History history, Workload.GroupProducing load, long failoverMs, String notes) throws Exception {
    awaitAcked(history, load, 1_000);
    load.close();
    Workload.drain(cluster.clientOfAll(), "drain", List.of(TOPIC), history, DRAIN_TIMEOUT);
    HistoryChecker.Report checked = HistoryChecker.check(history, "drain");
    report(String.format("[it] partition check: attempt failures %s; %s", load.attemptFailures(), checked.summary()));
    checked.assertValid();
    int duplicates = checked.duplicated().getOrDefault("drain", 0);
    return new Figures(failoverMs, checked.lost().size(), duplicates, checked.unknown(), notes);
  }

  /** Copies the nodes' logs of a failed run out of the temporary directory, into {@code target/partition-logs/<run>}. */
  void keepLogs(String run) {
    if (cluster == null) {
      return;
    }
    Path dir = Path.of("target", "partition-logs", run);
    try {
      Files.createDirectories(dir);
      for (int i = 1; i <= cluster.size(); i++) {
        try {
          Path log = cluster.node(i).logFile();
          Files.copy(log, dir.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        } catch (IllegalStateException | IOException e) {
          System.out.println("[it] partition: no log of n" + i + ": " + e);
        }
      }
      System.out.println("[it] partition: node logs of the failed run in " + dir.toAbsolutePath());
    } catch (IOException e) {
      System.out.println("[it] partition: cannot keep the logs: " + e);
    }
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  String groupNotMasteredOn(Map<String, Integer> masters, int node) {
    return masters.keySet().stream().filter(g -> masters.get(g) != node).findFirst()
        .orElseThrow(() -> new AssertionError("n" + node + " masters every group"));
  }

  /** The other node carrying an RF-2 group. */
  int otherCarrier(String group, int node) {
    return groups.nodesOf(group).stream().filter(i -> i != node).findFirst().orElseThrow();
  }

  List<Integer> othersThan(int node) {
    return IntStream.rangeClosed(1, cluster.size()).filter(i -> i != node).boxed().toList();
  }

  void awaitAcked(History history, Workload.GroupProducing load, long count) {
    long target = history.acked() + count;
    Await.until(count + " more sends acknowledged", TIMEOUT, () -> history.acked() >= target,
        () -> history.acked() + " acked; attempt failures " + load.attemptFailures());
  }

  long awaitFirstAckAfter(Workload.GroupProducing load, Set<Integer> queues, long faultNanos, String group) {
    long[] first = {-1};
    Await.until("a send to " + group + " acknowledged after the fault", TIMEOUT,
        () -> (first[0] = load.firstAckOfAttemptAfter(queues, faultNanos)) > 0,
        () -> "attempt failures " + load.attemptFailures() + "; " + groups.views(group));
    return first[0];
  }

  static long millis(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  static long millisSince(long nanos) {
    return millis(nanos, System.nanoTime());
  }

  /**
   * Polls a cut-off master's view of its group until closed: the highest commit position it showed
   * and every in-sync set it showed while it still called itself master.
   */
  static final class CommitWatch implements AutoCloseable {
    private final AtomicLong max = new AtomicLong(-1);
    private final Set<Set<String>> inSyncSets = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    CommitWatch(ReplicaGroups groups, int node, String group) {
      thread = new Thread(() -> {
        while (running.get()) {
          max.accumulateAndGet(groups.commitPosition(node, group), Math::max);
          Set<String> inSync = groups.inSyncSet(node, group);
          if (!inSync.isEmpty()) {
            inSyncSets.add(inSync);
          }
          Await.pause();
        }
      }, "commit-watch-n" + node);
      thread.setDaemon(true);
      thread.start();
    }

    long max() {
      return max.get();
    }

    Set<Set<String>> inSyncSets() {
      return Set.copyOf(inSyncSets);
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(30_000);
    }
  }

  /**
   * Polls every running node's {@code /cluster/replication} until closed, recording which nodes
   * showed themselves master of which group in which epoch.
   */
  static final class MasterWatch implements AutoCloseable {
    private final Map<String, Set<Integer>> claims = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    MasterWatch(ClusterHarness cluster, ReplicaGroups groups) {
      thread = new Thread(() -> {
        while (running.get()) {
          for (int i : cluster.running()) {
            JsonNode view = cluster.replication(i);
            if (view == null) {
              continue;
            }
            for (JsonNode g : view.path("groups")) {
              if ("master".equals(g.path("role").asText())) {
                claims.computeIfAbsent(g.path("group").asText() + "@" + g.path("epoch").asLong(),
                    k -> ConcurrentHashMap.newKeySet()).add(i);
              }
            }
          }
          Await.pause();
        }
      }, "master-watch");
      thread.setDaemon(true);
      thread.start();
    }

    /** group@epoch -> the nodes that showed themselves its master. */
    Map<String, Set<Integer>> claims() {
      Map<String, Set<Integer>> out = new TreeMap<>();
      claims.forEach((k, v) -> out.put(k, new TreeSet<>(v)));
      return out;
    }

    /** The group@epoch claimed by more than one node. */
    Map<String, Set<Integer>> conflicts() {
      Map<String, Set<Integer>> out = new TreeMap<>(claims());
      out.values().removeIf(nodes -> nodes.size() < 2);
      return out;
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(30_000);
    }
  }
}
