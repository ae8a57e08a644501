package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.MessageType;
import io.sluice.client.PushConsumer;
import io.sluice.client.SluiceClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network partitions of today's cluster (issue #12: 3 nodes, each its own broker group, registry in
 * Distributed Data, SBR keep-majority) with nodes in network namespaces ({@link NetnsCluster}),
 * each scenario checked with {@link HistoryChecker}. Tagged {@code partitions}: only the
 * {@code partitions} Maven profile runs it ({@code it/partitions.sh}); it skips where namespaces
 * cannot be made. Prints {@code [it] partition ...} lines with the measured times.
 */
@Tag("partitions")
@ExtendWith(BrokerLogsOnFailure.class)
class PartitionTest {
  static final int QUEUES = 6;
  static final int RATE = 300;
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(90);

  @TempDir Path tmp;
  NetnsCluster net;
  final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    List<AutoCloseable> all = new ArrayList<>(opened);
    Collections.reverse(all);
    all.add(net);
    Closer.closeAll(all.toArray(new AutoCloseable[0]));
  }

  <T extends AutoCloseable> T open(T resource) {
    opened.add(resource);
    return resource;
  }

  ClusterHarness start() {
    net = NetnsCluster.create(tmp, 3);
    net.cluster().startAll();
    return net.cluster();
  }

  /**
   * A client knowing every node with a short request timeout: a call to a node cut off fails (and
   * moves the client on) after 5 s instead of the harness clients' 30 s.
   */
  SluiceClient clientOfAll(ClusterHarness cluster) {
    return open(SluiceClient.builder()
        .endpoints(cluster.running().stream().map(i -> cluster.node(i).endpoint()).collect(Collectors.toList()))
        .requestTimeout(Duration.ofSeconds(5)).retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build());
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void isolatedNodeIsDownedByTheMajorityDownsItselfAndRejoins() throws Exception {
    ClusterHarness cluster = start();
    SluiceClient admin = cluster.client(1);
    String topic = "load";
    admin.admin().createTopic(topic, QUEUES, MessageType.NORMAL);
    int victim = cluster.singletonNode(); // the registry must move too
    List<Integer> majority = others(victim);
    History history = new History();
    String group = "readers";
    open(Workload.consume(cluster.client(majority.get(0)), group, topic, history));
    Workload.Producing producing = open(new Workload.Producing(clientOfAll(cluster), "load", topic, history, RATE));
    Await.until("600 sends acknowledged before the fault", Duration.ofSeconds(60), () -> history.acked() >= 600,
        () -> history.acked() + " acked; failures " + producing.failures());

    Fault fault = new Fault("isolate n" + victim, history);
    net.isolate(victim);
    fault.awaitUnreachable(cluster, majority, victim);
    fault.awaitDowned(cluster, majority, victim);
    long exitCode = cluster.node(victim).waitFor(ClusterHarness.MEMBERSHIP_TIMEOUT);
    fault.mark("isolated node exited (code " + exitCode + ")");
    fault.awaitFirstAck();
    SluiceClient survivor = cluster.client(majority.get(0));
    Await.until("topic creation through n" + majority.get(0), ClusterHarness.MEMBERSHIP_TIMEOUT,
        () -> ClusterTest.tryCreate(survivor, "created-in-partition"));
    fault.mark("topic created through the majority");
    long acked = history.acked();
    Await.until("300 more sends acknowledged by the majority", Duration.ofSeconds(60),
        () -> history.acked() >= acked + 300, () -> history.acked() - acked + " more; failures " + producing.failures());
    long delivered = deliveredSince(history, group, fault.sendsBefore());
    Await.until(group + " consumes messages sent after the fault", Duration.ofSeconds(60),
        () -> deliveredSince(history, group, fault.sendsBefore()) > 0, () -> delivered + " delivered");
    fault.print();

    net.heal();
    cluster.restart(victim);
    cluster.awaitUp(3);
    for (int i : cluster.running()) {
      ClusterTest.assertTopics(cluster.client(i), List.of(topic, "created-in-partition"), "on n" + i + " after the rejoin");
    }
    finish(cluster, history, producing, "isolate n" + victim);
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void oneWayPartitionResolvesToAClusterThatWorks() throws Exception {
    ClusterHarness cluster = start();
    SluiceClient admin = cluster.client(1);
    String topic = "load";
    admin.admin().createTopic(topic, QUEUES, MessageType.NORMAL);
    int oldest = cluster.singletonNode();
    int other = others(oldest).get(0);
    History history = new History();
    Workload.Producing producing = open(new Workload.Producing(clientOfAll(cluster), "load", topic, history, RATE));
    Await.until("600 sends acknowledged before the fault", Duration.ofSeconds(60), () -> history.acked() >= 600,
        () -> history.acked() + " acked; failures " + producing.failures());

    // the registry's node can still send to `other`, but hears nothing back from it
    Fault fault = new Fault("one-way n" + oldest + " -> n" + other, history);
    net.oneWay(oldest, other);
    fault.awaitUnreachable(cluster, List.of(oldest, other), -1);
    Await.until("the cluster resolves: every running node sees only the running nodes, all Up",
        ClusterHarness.MEMBERSHIP_TIMEOUT, () -> resolved(cluster),
        () -> cluster.running().stream().map(i -> "n" + i + ": " + cluster.membersOrNull(i)).collect(Collectors.joining("; ")));
    List<Integer> survivors = cluster.running();
    fault.mark("resolved to " + survivors);
    assertFalse(survivors.isEmpty(), "every node was downed");
    assertFalse(survivors.contains(oldest) && survivors.contains(other),
        "both ends of the one-way partition still Up together: " + survivors);
    int bystander = 6 - oldest - other;
    assertTrue(survivors.contains(bystander), "n" + bystander + ", which reaches both ends, was downed: " + survivors);
    fault.awaitFirstAck();
    SluiceClient survivor = cluster.client(survivors.get(0));
    Await.until("topic creation through n" + survivors.get(0), ClusterHarness.MEMBERSHIP_TIMEOUT,
        () -> ClusterTest.tryCreate(survivor, "created-in-partition"));
    fault.mark("topic created through the survivors");
    long acked = history.acked();
    Await.until("300 more sends acknowledged by the survivors", Duration.ofSeconds(60),
        () -> history.acked() >= acked + 300, () -> history.acked() - acked + " more; failures " + producing.failures());
    fault.print();

    net.heal();
    for (int i = 1; i <= cluster.size(); i++) {
      if (!cluster.isRunning(i)) {
        cluster.restart(i);
      }
    }
    cluster.awaitUp(3);
    finish(cluster, history, producing, "one-way n" + oldest + " -> n" + other);
  }

  // ---------------------------------------------------------------------------------------------

  /** Stops producing once sends are acknowledged again after the heal, drains, checks: 0 acked lost. */
  void finish(ClusterHarness cluster, History history, Workload.Producing producing, String scenario)
      throws Exception {
    long acked = history.acked();
    Await.until("sends acknowledged after the heal", Duration.ofSeconds(60), () -> history.acked() >= acked + 300,
        () -> history.acked() - acked + " more; failures " + producing.failures());
    producing.close();
    System.out.println("[it] partition " + scenario + ": send failures by reason " + producing.failures());
    String drainer = "drain";
    Workload.drain(cluster.client(1), drainer, List.of("load"), history, DRAIN_TIMEOUT);
    HistoryChecker.Report report = HistoryChecker.check(history, drainer);
    System.out.println("[it] partition " + scenario + ": " + report.summary());
    report.assertValid();
  }

  static List<Integer> others(int node) {
    return List.of(1, 2, 3).stream().filter(i -> i != node).toList();
  }

  /** Every running node answers and sees exactly the running nodes as members, all Up, none unreachable. */
  static boolean resolved(ClusterHarness cluster) {
    List<Integer> running = cluster.running();
    for (int i : running) {
      ClusterHarness.Members m = cluster.membersOrNull(i);
      if (m == null || m.all() != running.size() || m.up().size() != running.size() || !m.unreachable().isEmpty()) {
        return false;
      }
    }
    return !running.isEmpty();
  }

  static long deliveredSince(History history, String group, int sendsBefore) {
    var late = history.sends().stream().skip(sendsBefore).map(History.Send::id).collect(Collectors.toSet());
    return history.deliveries().stream().filter(d -> d.consumerGroup().equals(group) && late.contains(d.id())).count();
  }

  /** Times of one fault's consequences, from the moment it was applied. */
  static final class Fault {
    private final String name;
    private final History history;
    private final long startNanos = System.nanoTime();
    private final int sendsBefore;
    private final List<String> marks = new ArrayList<>();
    /** When a send made after the fault was first seen acknowledged (ms after the fault), or -1. */
    private volatile long firstAckMs = -1;

    /** Call right before applying the fault: from here on, times are measured. */
    Fault(String name, History history) {
      this.name = name;
      this.history = history;
      this.sendsBefore = history.sends().size();
      Thread watcher = new Thread(() -> {
        long deadline = startNanos + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
          if (history.sends().stream().skip(sendsBefore).anyMatch(s -> s.outcome() == History.Outcome.OK)) {
            firstAckMs = (System.nanoTime() - startNanos) / 1_000_000;
            return;
          }
          Await.pause();
        }
      }, "first-ack-" + name);
      watcher.setDaemon(true);
      watcher.start();
    }

    int sendsBefore() {
      return sendsBefore;
    }

    void mark(String what) {
      marks.add(what + " " + (System.nanoTime() - startNanos) / 1_000_000 + " ms");
    }

    /** Waits until one of {@code observers} sees a member unreachable ({@code node}, or any if -1). */
    void awaitUnreachable(ClusterHarness cluster, List<Integer> observers, int node) {
      IntPredicate sees = i -> {
        ClusterHarness.Members m = cluster.membersOrNull(i);
        return m != null && m.unreachable().stream()
            .anyMatch(a -> node < 0 || a.endsWith("@" + cluster.node(node).clusterAddress()));
      };
      Await.until("a node sees the fault as unreachability", ClusterHarness.MEMBERSHIP_TIMEOUT,
          () -> observers.stream().anyMatch(sees::test));
      mark("unreachable");
    }

    /** Waits until every node of {@code majority} sees only the majority, all Up ({@code node} downed and removed). */
    void awaitDowned(ClusterHarness cluster, List<Integer> majority, int node) {
      Await.until("n" + node + " downed and removed by " + majority, ClusterHarness.MEMBERSHIP_TIMEOUT, () -> {
        for (int i : majority) {
          ClusterHarness.Members m = cluster.membersOrNull(i);
          if (m == null || m.all() != majority.size() || m.up().size() != majority.size() || !m.unreachable().isEmpty()) {
            return false;
          }
        }
        return true;
      }, () -> majority.stream().map(i -> "n" + i + ": " + cluster.membersOrNull(i)).collect(Collectors.joining("; ")));
      mark("downed");
    }

    /** Waits until a send made after the fault was acknowledged (its time was taken by a watcher, at 50 ms). */
    void awaitFirstAck() {
      Await.until("a send made after the fault acknowledged", Duration.ofSeconds(60), () -> firstAckMs >= 0);
      marks.add("first acked send " + firstAckMs + " ms");
    }

    void print() {
      System.out.println("[it] partition " + name + ": " + String.join(", ", marks));
    }
  }
}
