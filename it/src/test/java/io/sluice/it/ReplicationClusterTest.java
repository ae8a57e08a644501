package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.client.ConsumeResult;
import io.sluice.client.MessageType;
import io.sluice.client.PushConsumerSettings;
import io.sluice.client.Reason;
import io.sluice.client.SluiceClient;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.RawChunk;
import io.sluice.persistence.store.StoreSettings;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #13 step 2 on 3 node JVMs ({@link ClusterHarness}): each node masters its own broker group
 * and keeps a replica of another's, g1 = {n1*, n2}, g2 = {n2*, n3}, g3 = {n3*, n1}, all {@code
 * sync}. The load is {@link Workload.GroupProducing} through client-java: one message group per
 * queue, one message at a time, about 1,000 messages a second over 24 queues (8 per group), checked
 * with {@link HistoryChecker}. The faults hit n2, the replica of g1 (which is also g2's master, so
 * g2's queues stall while it is down or paused: those sends end failed or unknown).
 */
@ExtendWith(BrokerLogsOnFailure.class)
class ReplicationClusterTest {
  static final int QUEUES = 24;
  static final int RATE = 1_000;
  static final String TOPIC = "load";
  static final Duration TIMEOUT = Duration.ofSeconds(90);

  @TempDir Path tmp;
  ClusterHarness cluster;
  final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    List<AutoCloseable> all = new ArrayList<>(opened);
    Collections.reverse(all);
    if (cluster != null) {
      for (int i : cluster.running()) {
        cluster.sigcont(i); // a paused JVM would not exit on SIGTERM; SIGKILL works either way
      }
      all.add(cluster);
    }
    Closer.closeAll(all.toArray(new AutoCloseable[0]));
  }

  /** The node keeping the replica of group {@code g<k>} (n1 carries g3 too, n2 g1, n3 g2). */
  static int followerOf(int k) {
    return k % 3 + 1;
  }

  void startCluster(String... replicationSettings) {
    // g1 = [g1, g2], g2 = [g2, g3], g3 = [g3, g1]: the same on every node
    List<String> args = new ArrayList<>(List.of("-Dsluice.cluster.replication.mode=sync"));
    for (int k = 1; k <= 3; k++) {
      args.add("-Dsluice.controller.groups.g" + k + ".0=" + ClusterHarness.brokerGroup(k));
      args.add("-Dsluice.controller.groups.g" + k + ".1=" + ClusterHarness.brokerGroup(followerOf(k)));
    }
    for (String s : replicationSettings) {
      args.add(s.startsWith("-D") ? s : "-Dsluice.cluster.replication." + s);
    }
    cluster = new ClusterHarness(tmp, 3, i -> BrokerProcess.Placement.LOOPBACK, i -> List.of(),
        args.toArray(new String[0]));
    cluster.startAll();
    awaitInSync(1, true);
    awaitInSync(2, true);
    awaitInSync(3, true);
    cluster.client(1).admin().createTopic(TOPIC, QUEUES, MessageType.NORMAL);
  }

  <T extends AutoCloseable> T open(T resource) {
    opened.add(resource);
    return resource;
  }

  /**
   * A client of every node that does not retry by itself (the workload resends under the same id);
   * its request timeout is above the gateway's ask timeout (10 s), which answers first.
   */
  SluiceClient loadClient() {
    return open(SluiceClient.builder()
        .endpoints(cluster.running().stream().map(i -> cluster.node(i).endpoint()).collect(Collectors.toList()))
        .requestTimeout(Duration.ofSeconds(12)).maxAttempts(1).build());
  }

  Workload.GroupProducing startLoad(History history, Duration resendFor) {
    return open(new Workload.GroupProducing(loadClient(), "p", TOPIC, QUEUES, history, RATE, resendFor));
  }

  /** The queues of {@link #TOPIC} in broker group {@code g<k>}, as node 1 routes them. */
  Set<Integer> queuesOf(int k) {
    RawGrpc raw = open(new RawGrpc(cluster.node(1).grpcPort()));
    Set<Integer> queues = ConcurrentHashMap.newKeySet();
    Await.until("n1 routes " + TOPIC + " to every broker group", Duration.ofSeconds(30), () -> {
      var route = ClusterTest.route(raw, TOPIC);
      queues.clear();
      route.getQueuesList().stream().filter(q -> q.getBrokerGroup().equals(ClusterHarness.brokerGroup(k)))
          .forEach(q -> queues.add(q.getQueueId()));
      return ClusterTest.queuesPerGroup(route).keySet().equals(Set.of("g1", "g2", "g3"));
    });
    return Set.copyOf(queues);
  }

  /**
   * The node mastering group {@code g<k>} now, of its two replicas (node k and {@link #followerOf}),
   * or 0: node k, unless the controller moved the group (the kill of a node fails its own group over).
   */
  int masterOf(int k) {
    for (int i : new int[] {k, followerOf(k)}) {
      if (cluster.isRunning(i) && cluster.isMasterOf(i, ClusterHarness.brokerGroup(k))) {
        return i;
      }
    }
    return 0;
  }

  /** Group {@code g<k>} as its master shows it on {@code /cluster/replication}, or null. */
  JsonNode masterView(int k) {
    int master = masterOf(k);
    return master == 0 ? null : cluster.replicationOf(master, ClusterHarness.brokerGroup(k));
  }

  /** The other replica of {@code g<k>} as its master sees it, or null before it fetched. */
  JsonNode replicaView(int k) {
    int master = masterOf(k);
    JsonNode g = masterView(k);
    if (g == null) {
      return null;
    }
    String replica = ClusterHarness.brokerGroup(master == k ? followerOf(k) : k);
    for (JsonNode r : g.path("replicas")) {
      if (r.path("replicaId").asText().equals(replica)) {
        return r;
      }
    }
    return null;
  }

  boolean inSync(int k) {
    JsonNode r = replicaView(k);
    return r != null && r.path("inSync").asBoolean();
  }

  void awaitInSync(int k, boolean expected) {
    Await.until("the replica of g" + k + (expected ? " in" : " out of") + " the in-sync set", TIMEOUT,
        () -> inSync(k) == expected, () -> String.valueOf(masterView(k)));
  }

  /** The end of {@code g<k>}'s log on its master once its replica confirmed all of it, and that master. */
  record CaughtUp(long end, int master) {}

  /** Waits until the replica of {@code g<k>} confirmed its master's log end. */
  CaughtUp awaitCaughtUp(int k) {
    CaughtUp[] caughtUp = {null};
    Await.until("the replica of g" + k + " confirmed the master's log end", TIMEOUT, () -> {
      int master = masterOf(k);
      JsonNode g = masterView(k);
      JsonNode r = replicaView(k);
      if (g == null || r == null || r.path("confirmedPosition").asLong() != g.path("logEnd").asLong()) {
        return false;
      }
      caughtUp[0] = new CaughtUp(g.path("logEnd").asLong(), master);
      return true;
    }, () -> String.valueOf(masterView(k)));
    return caughtUp[0];
  }

  static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void aKilledReplicaCatchesUpAndEndsByteIdenticalToItsMaster() throws Exception {
    startCluster("replica-max-lag=3s");
    History history = new History();
    Workload.GroupProducing load = startLoad(history, Duration.ofSeconds(20));
    Await.until("2,000 sends acknowledged", TIMEOUT, () -> history.acked() >= 2_000,
        () -> history.acked() + " acked; " + load.attemptFailures());

    long killed = System.nanoTime();
    cluster.sigkill(2);
    awaitInSync(1, false);
    long leftMs = millisSince(killed);
    long confirmedBefore = replicaView(1).path("confirmedPosition").asLong();
    long masterEndAtRestart = masterView(1).path("logEnd").asLong();
    long restarted = System.nanoTime();
    cluster.restart(2);
    long readyMs = millisSince(restarted);
    awaitInSync(1, true);
    long catchUpMs = millisSince(restarted);
    long copied = masterView(1).path("logEnd").asLong() - confirmedBefore;
    long ackedAtRejoin = history.acked();
    Await.until("500 more sends acknowledged", TIMEOUT, () -> history.acked() >= ackedAtRejoin + 500,
        () -> history.acked() + " acked; " + load.attemptFailures());
    load.close();

    Workload.drain(cluster.clientOfAll(), "drain", List.of(TOPIC), history, TIMEOUT);
    HistoryChecker.Report report = HistoryChecker.check(history, "drain");
    System.out.printf("[it] SIGKILL of n2 (replica of g1): left g1's in-sync set %d ms after the kill; restart"
        + " began %d bytes behind the master, READY after %d ms, back in sync %d ms after the restart began, having"
        + " caught up %d bytes (the master's end then minus the replica's before the kill); attempt failures %s; %s%n",
        leftMs, masterEndAtRestart - confirmedBefore, readyMs, catchUpMs, copied, load.attemptFailures(),
        report.summary());
    report.assertValid();

    CaughtUp[] ends = {awaitCaughtUp(1), awaitCaughtUp(2), awaitCaughtUp(3)};
    for (int i = 3; i >= 1; i--) {
      int exit = cluster.sigterm(i);
      assertTrue(exit == 0 || exit == 143, "n" + i + " exited with " + exit + " on SIGTERM");
    }
    for (int k = 1; k <= 3; k++) {
      assertIdentical(k, ends[k - 1]);
    }
  }

  /**
   * The CommitLog of {@code g<k>} on its master and on its replica, opened in this JVM after both
   * stopped: the replica holds at least the end it had confirmed and the same bytes as the master from the
   * higher of their lowest positions up to the lower of their ends.
   */
  void assertIdentical(int k, CaughtUp caughtUp) throws Exception {
    long end = caughtUp.end();
    Path master = storeOf(caughtUp.master(), k);
    Path replica = storeOf(caughtUp.master() == k ? followerOf(k) : k, k);
    try (MessageStore m = MessageStore.open(StoreSettings.of(master, ""));
        MessageStore r = MessageStore.open(StoreSettings.of(replica, ""))) {
      assertTrue(r.confirmedPosition() >= end, "g" + k + "'s replica ends at " + r.confirmedPosition()
          + ", below the end " + end + " it had confirmed");
      long from = Math.max(m.minPosition(), r.minPosition());
      long to = Math.min(m.confirmedPosition(), r.confirmedPosition());
      long position = from;
      while (position < to) {
        RawChunk a = m.readRaw(position, 1 << 20);
        RawChunk b = r.readRaw(position, 1 << 20);
        int n = (int) Math.min(Math.min(a.bytes().remaining(), b.bytes().remaining()), to - position);
        assertTrue(n > 0, "g" + k + ": nothing read at " + position);
        ByteBuffer x = a.bytes().slice().limit(n);
        ByteBuffer y = b.bytes().slice().limit(n);
        assertEquals(x, y, "g" + k + ": the replica's bytes differ from the master's in [" + position + ", "
            + (position + n) + ")");
        position += n;
      }
      System.out.printf("[it] g%d: replica byte-identical to its master over [%d, %d) (%d bytes)%n",
          k, from, to, to - from);
    }
  }

  /** Node {@code i}'s store of group {@code g<k>}: its own group's, or the replica's it carries. */
  Path storeOf(int i, int k) {
    return i == k ? cluster.dataDir(i).resolve("store")
        : cluster.dataDir(i).resolve("replicas").resolve(ClusterHarness.brokerGroup(k)).resolve("store");
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void aPausedReplicaTimesWritesOutThenLeavesTheInSyncSetAndRejoinsAfterItResumes() throws Exception {
    // SBR must not down the paused node: it is to come back as the same member
    startCluster("replica-max-lag=5s", "timeout=2s", "-Dpekko.cluster.split-brain-resolver.stable-after=60s");
    Set<Integer> g1Queues = queuesOf(1);
    History history = new History();
    Workload.GroupProducing load = startLoad(history, Duration.ofSeconds(60));
    Await.until("2,000 sends acknowledged", TIMEOUT, () -> history.acked() >= 2_000,
        () -> history.acked() + " acked; " + load.attemptFailures());

    long paused = System.nanoTime();
    cluster.sigstop(2);
    awaitInSync(1, false);
    long leftMs = millisSince(paused);
    long left = System.nanoTime();
    Await.until("writes to g1 resumed without its replica", TIMEOUT, () -> load.ackedSince(g1Queues, left) >= 50,
        () -> load.attemptFailures().toString());
    long resumedMs = millisSince(left);
    int timeouts = load.attemptFailures().getOrDefault(Reason.REPLICATION_TIMEOUT, 0);

    long resumed = System.nanoTime();
    cluster.sigcont(2);
    awaitInSync(1, true);
    long rejoinMs = millisSince(resumed);
    long ackedAtRejoin = history.acked();
    Await.until("500 more sends acknowledged", TIMEOUT, () -> history.acked() >= ackedAtRejoin + 500,
        () -> history.acked() + " acked; " + load.attemptFailures());
    load.close();

    Workload.drain(cluster.clientOfAll(), "drain", List.of(TOPIC), history, TIMEOUT);
    HistoryChecker.Report report = HistoryChecker.check(history, "drain");
    System.out.printf("[it] SIGSTOP of n2 (replica of g1): %d REPLICATION_TIMEOUT answers while it was in sync;"
        + " it left g1's in-sync set %d ms after the pause; g1 acked again within %d ms; SIGCONT: back in sync"
        + " after %d ms; attempt failures %s; %s%n",
        timeouts, leftMs, resumedMs, rejoinMs, load.attemptFailures(), report.summary());
    assertTrue(timeouts > 0, "no send answered REPLICATION_TIMEOUT while the replica was paused");
    report.assertValid();
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void withMinInSyncTwoAPausedReplicaMakesWritesRefusedAndNothingUncommittedIsDelivered() throws Exception {
    startCluster("replica-max-lag=3s", "timeout=1500ms", "min-in-sync=2",
        "-Dpekko.cluster.split-brain-resolver.stable-after=60s");
    Set<Integer> g1Queues = queuesOf(1);
    History history = new History();
    Map<String, Long> firstDelivered = new ConcurrentHashMap<>();
    open(cluster.client(1).newPushConsumer(PushConsumerSettings.builder("live", TOPIC).build(), m -> {
      // no message group: the listener threads run in parallel, so their order is not the queue's
      history.delivered("live", m.messageId(), m.topic(), "", m.queueId(), m.offset());
      firstDelivered.putIfAbsent(m.messageId(), System.nanoTime());
      return ConsumeResult.SUCCESS;
    }));
    Workload.GroupProducing load = startLoad(history, Duration.ofSeconds(5));
    Await.until("1,000 sends acknowledged", TIMEOUT, () -> history.acked() >= 1_000,
        () -> history.acked() + " acked; " + load.attemptFailures());

    long paused = System.nanoTime();
    cluster.sigstop(2);
    // Sent while the route still listed the replica in sync: until then nothing sent after the
    // pause can be committed (the replica cannot have it), so no consumer may have seen it.
    AtomicLong lastSeenInSync = new AtomicLong(paused);
    Await.until("the replica of g1 out of the in-sync set", TIMEOUT, () -> {
      long asked = System.nanoTime();
      if (inSync(1)) {
        lastSeenInSync.set(asked);
        return false;
      }
      return true;
    });
    long leftMs = millisSince(paused);
    Await.until("sends to g1 refused NOT_ENOUGH_REPLICAS", TIMEOUT,
        () -> load.attemptFailures().getOrDefault(Reason.NOT_ENOUGH_REPLICAS, 0) >= 50,
        () -> load.attemptFailures().toString());

    cluster.sigcont(2);
    awaitInSync(1, true);
    long resumed = System.nanoTime();
    Await.until("writes to g1 acknowledged again", TIMEOUT, () -> load.ackedSince(g1Queues, resumed) >= 100,
        () -> load.attemptFailures().toString());
    load.close();

    Workload.drain(cluster.clientOfAll(), "drain", List.of(TOPIC), history, TIMEOUT);
    HistoryChecker.Report report = HistoryChecker.check(history, "drain");
    Set<String> refused = history.sends().stream().filter(s -> s.outcome() == History.Outcome.FAIL)
        .map(History.Send::id).collect(Collectors.toSet());
    List<String> deliveredRefused = history.deliveries().stream().map(History.Delivery::id)
        .filter(refused::contains).distinct().toList();
    List<String> seenUncommitted = history.deliveries().stream()
        .filter(d -> g1Queues.contains(d.queueId()))
        .map(History.Delivery::id).distinct()
        .filter(id -> load.invokedAt(id) != null && load.invokedAt(id) > paused
            && firstDelivered.getOrDefault(id, Long.MAX_VALUE) < lastSeenInSync.get())
        .toList();
    System.out.printf("[it] min-in-sync 2, SIGSTOP of n2: left g1's in-sync set %d ms after the pause; %d sends"
        + " refused (none delivered: %s); attempt failures %s; %s%n", leftMs, refused.size(),
        deliveredRefused.isEmpty(), load.attemptFailures(), report.summary());
    assertTrue(refused.size() > 0, "no send was refused");
    assertEquals(List.of(), deliveredRefused, "refused sends (nothing stored) were delivered");
    assertEquals(List.of(), seenUncommitted, "delivered while the paused replica could not have them");
    report.assertValid();
  }
}
