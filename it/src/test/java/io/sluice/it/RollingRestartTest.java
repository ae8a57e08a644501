package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.client.MessageType;
import io.sluice.client.SluiceClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #13's rolling restart on 3 node JVMs ({@link ClusterHarness}), {@code sync}, RF 2, g1 =
 * {n1*, n2}, g2 = {n2*, n3}, g3 = {n3*, n1}: under {@link Workload.GroupProducing} load each node in
 * turn is stopped with SIGTERM (it hands the groups it masters off first: writes wait until the
 * other replica holds the whole log, then the controller moves mastership), restarted, and waited
 * for until every group has an ACTIVE master with its other replica in sync again. Checked with
 * {@link HistoryChecker}: nothing acknowledged lost, and no send failed, a send failing only when
 * client-java gave up after its retries (resending under the same id, its route refreshed on
 * NOT_MASTER). Prints {@code [it] ROLLING-RESTART ...} per node and the failed sends by reason.
 */
@Tag("failover") // long: mvn -pl it -am verify -Pfailover (see the README)
@ExtendWith(BrokerLogsOnFailure.class)
class RollingRestartTest {
  static final int QUEUES = 24;
  static final int RATE = 2_000;
  static final String TOPIC = "load";
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(5);
  /** client-java's attempts per send: backoff 100 ms doubling to 2 s, about 40 s in all, above a handoff. */
  static final int ATTEMPTS = 24;

  @TempDir Path tmp;
  ClusterHarness cluster;
  final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    List<AutoCloseable> all = new ArrayList<>(opened);
    Collections.reverse(all);
    if (cluster != null) {
      all.add(cluster);
    }
    Closer.closeAll(all.toArray(new AutoCloseable[0]));
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES) // three stops and restarts and a long drain on a busy 2-core machine
  void aRollingRestartUnderSyncLoadLosesNothingAndFailsNoSend() throws Exception {
    List<String> args = new ArrayList<>(List.of("-Dsluice.cluster.replication.mode=sync",
        "-Dsluice.cluster.replication.replica-max-lag=3s"));
    args.addAll(ClusterHarness.replicaRing(3));
    cluster = new ClusterHarness(tmp, 3, args.toArray(new String[0]));
    cluster.startAll();
    awaitAllReplicated();
    cluster.client(1).admin().createTopic(TOPIC, QUEUES, MessageType.NORMAL);

    History history = new History();
    SluiceClient client = open(cluster.clientOfAll(b -> b.requestTimeout(Duration.ofSeconds(60))
        .maxAttempts(ATTEMPTS).retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(2))));
    Workload.GroupProducing load =
        open(new Workload.GroupProducing(client, "p", TOPIC, QUEUES, history, RATE, Duration.ofSeconds(60)));
    awaitAcked(history, load, 2_000);

    for (int i = 1; i <= 3; i++) {
      long stopping = System.nanoTime();
      int exit = cluster.sigterm(i);
      long stoppedMs = millisSince(stopping);
      cluster.restart(i);
      cluster.awaitUp(3);
      awaitAllReplicated();
      System.out.printf("[it] ROLLING-RESTART n%d: exited %d after %d ms (SIGTERM, groups handed off), every group"
              + " replicated again %d ms after the SIGTERM; attempt failures so far %s%n", i, exit, stoppedMs,
          millisSince(stopping), load.attemptFailures());
      awaitAcked(history, load, 1_000);
    }
    load.close();

    Workload.drain(cluster.clientOfAll(), "drain", List.of(TOPIC), history, DRAIN_TIMEOUT);
    HistoryChecker.Report report = HistoryChecker.check(history, "drain");
    System.out.printf("[it] ROLLING-RESTART mode=sync: failed sends %d, unknown %d (failures after client-java's"
        + " retries, by reason: %s); %s%n", report.failed(), report.unknown(), load.attemptFailures(), report.summary());
    report.assertValid();
    assertEquals(0, report.failed() + report.unknown(), "sends client-java gave up on (by reason "
        + load.attemptFailures() + "): " + report.summary());
  }

  <T extends AutoCloseable> T open(T resource) {
    opened.add(resource);
    return resource;
  }

  /** Waits until every group has an ACTIVE master with its other replica in sync. */
  void awaitAllReplicated() {
    for (int k = 1; k <= 3; k++) {
      int master = awaitActiveMaster(k);
      int other = master == k ? k % 3 + 1 : k;
      String replicaId = ClusterHarness.brokerGroup(other);
      String group = ClusterHarness.brokerGroup(k);
      Await.until(group + "'s master n" + master + " lists " + replicaId + " in sync", TIMEOUT,
          () -> inSync(master, group, replicaId), () -> String.valueOf(cluster.replication(master)));
    }
  }

  /** The running node that is the ACTIVE master of {@code g<k>} as it and the controller's decision show. */
  int awaitActiveMaster(int k) {
    String group = ClusterHarness.brokerGroup(k);
    int[] found = {-1};
    Await.until("an ACTIVE master of " + group, TIMEOUT, () -> {
      for (int i : new int[] {k, k % 3 + 1}) {
        JsonNode g = cluster.replicationOf(i, group);
        if (g != null && "master".equals(g.path("role").asText())
            && "ACTIVE".equals(g.path("controller").path("status").asText())
            && ClusterHarness.brokerGroup(i).equals(g.path("controller").path("master").asText())) {
          found[0] = i;
          return true;
        }
      }
      return false;
    }, () -> "n" + k + ": " + cluster.replicationOf(k, group) + "; n" + (k % 3 + 1) + ": "
        + cluster.replicationOf(k % 3 + 1, group));
    return found[0];
  }

  boolean inSync(int masterNode, String group, String replicaId) {
    JsonNode g = cluster.replicationOf(masterNode, group);
    if (g == null || !"master".equals(g.path("role").asText())) {
      return false;
    }
    for (JsonNode r : g.path("replicas")) {
      if (r.path("replicaId").asText().equals(replicaId)) {
        return r.path("inSync").asBoolean();
      }
    }
    return false;
  }

  void awaitAcked(History history, Workload.GroupProducing load, long count) {
    long target = history.acked() + count;
    Await.until(count + " more sends acknowledged", TIMEOUT, () -> history.acked() >= target,
        () -> history.acked() + " acked; attempt failures " + load.attemptFailures());
  }

  static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }
}
