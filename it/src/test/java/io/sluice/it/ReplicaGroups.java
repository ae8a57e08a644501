package io.sluice.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The replicated broker groups of a {@link ClusterHarness} as its nodes show them on {@code GET
 * /cluster/replication}: a layout (group {@code g<k>} -> the nodes carrying it, preferred master
 * first; node i's copy is replica {@code g<i>}), the {@code -D} options that configure it, and waits
 * on masters, replicas and in-sync sets.
 */
final class ReplicaGroups {
  static final Duration TIMEOUT = Duration.ofSeconds(90);

  private final ClusterHarness cluster;
  private final Map<String, List<Integer>> layout;

  /** @param layout group -> the nodes carrying it, preferred master first (iteration order kept) */
  ReplicaGroups(ClusterHarness cluster, Map<String, List<Integer>> layout) {
    this.cluster = cluster;
    this.layout = new LinkedHashMap<>(layout);
  }

  /** The ring of {@link ClusterHarness#replicaRing}: g<k> = {n<k>, n<k % size + 1>}. */
  static Map<String, List<Integer>> ring(int size) {
    Map<String, List<Integer>> out = new LinkedHashMap<>();
    for (int k = 1; k <= size; k++) {
      out.put(ClusterHarness.brokerGroup(k), List.of(k, k % size + 1));
    }
    return out;
  }

  /** The {@code sluice.controller.groups} options of {@code layout}, for every node. */
  static List<String> jvmArgs(Map<String, List<Integer>> layout) {
    List<String> args = new ArrayList<>();
    layout.forEach((group, nodes) -> {
      for (int r = 0; r < nodes.size(); r++) {
        args.add("-Dsluice.controller.groups." + group + "." + r + "=" + replicaId(nodes.get(r)));
      }
    });
    return args;
  }

  /** The replica id of node {@code i}'s copies: its own broker group. */
  static String replicaId(int i) {
    return ClusterHarness.brokerGroup(i);
  }

  Set<String> groups() {
    return layout.keySet();
  }

  /** The nodes carrying {@code group}. */
  List<Integer> nodesOf(String group) {
    return layout.get(group);
  }

  /** The groups {@code node} carries. */
  List<String> groupsOn(int node) {
    return layout.entrySet().stream().filter(e -> e.getValue().contains(node)).map(Map.Entry::getKey).toList();
  }

  /**
   * The running node that is the ACTIVE master of {@code group} (it shows itself master and the
   * controller's latest decision it saw names it, ACTIVE), or -1.
   */
  int activeMasterOrNone(String group) {
    for (int i : nodesOf(group)) {
      JsonNode g = cluster.replicationOf(i, group);
      if (g != null && "master".equals(g.path("role").asText())
          && "ACTIVE".equals(g.path("controller").path("status").asText())
          && replicaId(i).equals(g.path("controller").path("master").asText())) {
        return i;
      }
    }
    return -1;
  }

  int awaitActiveMaster(String group) {
    int[] found = {-1};
    Await.until("an ACTIVE master of " + group, TIMEOUT, () -> (found[0] = activeMasterOrNone(group)) > 0,
        () -> views(group));
    return found[0];
  }

  /** Waits until every group has an ACTIVE master listing every other running replica in sync; group -> master. */
  Map<String, Integer> awaitAllReplicated() {
    Map<String, Integer> masters = new LinkedHashMap<>();
    for (String group : groups()) {
      int m = awaitActiveMaster(group);
      for (int i : nodesOf(group)) {
        if (i != m) {
          awaitInSync(m, group, i);
        }
      }
      masters.put(group, m);
    }
    return masters;
  }

  /** Replica {@code node} of {@code group} as the master on {@code master} sees it, or null. */
  JsonNode replicaSeenBy(int master, String group, int node) {
    JsonNode g = cluster.replicationOf(master, group);
    if (g == null || !"master".equals(g.path("role").asText())) {
      return null;
    }
    for (JsonNode r : g.path("replicas")) {
      if (r.path("replicaId").asText().equals(replicaId(node))) {
        return r;
      }
    }
    return null;
  }

  boolean inSync(int master, String group, int node) {
    JsonNode r = replicaSeenBy(master, group, node);
    return r != null && r.path("inSync").asBoolean();
  }

  void awaitInSync(int master, String group, int node) {
    Await.until(group + "'s master n" + master + " lists " + replicaId(node) + " in sync", TIMEOUT,
        () -> inSync(master, group, node), () -> String.valueOf(cluster.replication(master)));
  }

  void awaitMaster(int node, String group) {
    Await.until("n" + node + " the master of " + group, TIMEOUT, () -> cluster.isMasterOf(node, group),
        () -> views(group));
  }

  /** Waits until node {@code i} carries {@code group} as a replica fetching from a master. */
  void awaitReplica(int i, String group) {
    Await.until("n" + i + " a replica of " + group + " with a master", TIMEOUT, () -> {
      JsonNode g = cluster.replicationOf(i, group);
      return g != null && "replica".equals(g.path("role").asText()) && !g.path("master").isNull()
          && !g.path("master").asText().isEmpty();
    }, () -> String.valueOf(cluster.replication(i)));
  }

  /** {@code group}'s commit position as node {@code i} shows it, or -1 when it does not answer. */
  long commitPosition(int i, String group) {
    JsonNode g = cluster.replicationOf(i, group);
    return g == null ? -1 : g.path("commitPosition").asLong();
  }

  /** The in-sync set a master's commit tracker holds for {@code group} (empty when {@code i} is no master or silent). */
  Set<String> inSyncSet(int i, String group) {
    JsonNode g = cluster.replicationOf(i, group);
    Set<String> out = new TreeSet<>();
    if (g != null && "master".equals(g.path("role").asText())) {
      g.path("inSync").forEach(r -> out.add(r.asText()));
    }
    return out;
  }

  /** The queues of {@code topic} in {@code group}, from a route served by node {@code via}. */
  Set<Integer> queuesOf(String topic, String group, int via) {
    BrokerProcess node = cluster.node(via);
    try (RawGrpc raw = new RawGrpc(node.host(), node.grpcPort())) {
      Set<Integer> queues = new TreeSet<>();
      Await.until("a route of " + topic + " over every broker group", Duration.ofSeconds(30), () -> {
        var route = ClusterTest.route(raw, topic);
        queues.clear();
        route.getQueuesList().stream().filter(q -> q.getBrokerGroup().equals(group))
            .forEach(q -> queues.add(q.getQueueId()));
        return ClusterTest.queuesPerGroup(route).keySet().equals(groups());
      });
      return Set.copyOf(queues);
    } catch (Exception e) {
      throw new AssertionError("route of " + topic + " through n" + via, e);
    }
  }

  /** Every running node's view of {@code group}, for failure messages. */
  String views(String group) {
    return cluster.running().stream().map(i -> "n" + i + ": " + cluster.replicationOf(i, group))
        .collect(Collectors.joining("; "));
  }

  /** The store directory of node {@code i}'s copy of {@code group}: its own group's, or a replica's. */
  Path storeOf(int i, String group) {
    return group.equals(ClusterHarness.brokerGroup(i)) ? cluster.dataDir(i).resolve("store")
        : cluster.dataDir(i).resolve("replicas").resolve(group).resolve("store");
  }

  /** Total bytes in the {@code divergent/} directory of node {@code i}'s copy of {@code group} (0: it cut nothing). */
  long divergentBytes(int i, String group) throws IOException {
    Path dir = io.sluice.persistence.store.StoreSettings.of(storeOf(i, group), "").divergentDir();
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
