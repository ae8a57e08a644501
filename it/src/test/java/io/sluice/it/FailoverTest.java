package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.Producer;
import io.sluice.client.ProducerSettings;
import io.sluice.client.Reason;
import io.sluice.client.SendReceipt;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.persistence.store.StoreSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #13 step 3 on 3 node JVMs ({@link ClusterHarness}): automatic failover of replicated broker
 * groups, RF 2, g1 = {n1*, n2}, g2 = {n2*, n3}, g3 = {n3*, n1} ({@code sluice.controller.groups} on
 * every node), SBR keep-majority with the harness's {@code stable-after}. The load is {@link
 * Workload.GroupProducing} through client-java at about 2,000 messages a second over 24 queues (8
 * per group, one message group per queue), checked with {@link HistoryChecker} after a fresh group
 * drained every queue. Failover time = fault to the first acknowledged send, on a queue of the
 * failed group, of an attempt that started after the fault; printed as {@code [it] FAILOVER
 * scenario=<name> mode=<mode> group=<g> ms=<time>}.
 *
 * <p>The master that is killed is never the controller's node (the oldest member), so the time is
 * the replicas' failover alone; the paused master is the controller's node, so that one moves too.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class FailoverTest {
  static final int QUEUES = 24;
  static final int RATE = 2_000;
  static final String TOPIC = "load";
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  /** A fresh group reads some 50,000 to 100,000 messages; on a busy 2-core machine at a few hundred a second. */
  static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(5);

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

  /** The node keeping the second replica of {@code g<k>} (the next node in the ring). */
  static int nextNode(int k) {
    return k % 3 + 1;
  }

  static String group(int k) {
    return ClusterHarness.brokerGroup(k);
  }

  /** The replica id of node {@code i}'s copies: its own broker group. */
  static String replicaId(int i) {
    return ClusterHarness.brokerGroup(i);
  }

  /** The other node carrying {@code g<k>} ({@code g<k>} = {n<k>, n<k+1>}). */
  static int otherReplica(int k, int node) {
    return node == k ? nextNode(k) : k;
  }

  /**
   * Waits until a running node is the ACTIVE master of {@code g<k>}: it shows the group as master
   * and the controller's decision it saw names it ACTIVE; returns that node. The preferred master
   * (n<k>) is usual but not certain: a cold start elects among the replicas that reported while
   * their node was Up.
   */
  int awaitActiveMaster(int k) {
    int[] found = {-1};
    Await.until("an ACTIVE master of " + group(k), TIMEOUT, () -> {
      for (int i : new int[] {k, nextNode(k)}) {
        JsonNode g = cluster.replicationOf(i, group(k));
        if (g != null && "master".equals(g.path("role").asText())
            && "ACTIVE".equals(g.path("controller").path("status").asText())
            && replicaId(i).equals(g.path("controller").path("master").asText())) {
          found[0] = i;
          return true;
        }
      }
      return false;
    }, () -> "n" + k + ": " + cluster.replicationOf(k, group(k)) + "; n" + nextNode(k) + ": "
        + cluster.replicationOf(nextNode(k), group(k)));
    return found[0];
  }

  /** Waits until every group has an ACTIVE master with its other replica in sync; the master of g<k> at [k]. */
  int[] awaitAllReplicated() {
    int[] masters = new int[4];
    for (int k = 1; k <= 3; k++) {
      masters[k] = awaitActiveMaster(k);
      awaitInSync(masters[k], group(k), replicaId(otherReplica(k, masters[k])));
    }
    return masters;
  }

  /** A group whose ACTIVE master is not on node {@code avoid} (the controller's), by number. */
  static int groupNotMasteredOn(int[] masters, int avoid) {
    for (int k = 1; k <= 3; k++) {
      if (masters[k] != avoid) {
        return k;
      }
    }
    throw new AssertionError("node " + avoid + " masters every group");
  }

  void startCluster(String mode, String... replicationSettings) {
    List<String> args = new ArrayList<>(List.of("-Dsluice.cluster.replication.mode=" + mode));
    for (String s : replicationSettings) {
      args.add(s.startsWith("-D") ? s : "-Dsluice.cluster.replication." + s);
    }
    args.addAll(ClusterHarness.replicaRing(3));
    cluster = new ClusterHarness(tmp, 3, args.toArray(new String[0]));
    cluster.startAll();
    awaitAllReplicated();
    cluster.client(1).admin().createTopic(TOPIC, QUEUES, MessageType.NORMAL);
  }

  <T extends AutoCloseable> T open(T resource) {
    opened.add(resource);
    return resource;
  }

  /**
   * The load over every node through a client that does not retry by itself (the workload resends
   * unknown outcomes under the same id); its request timeout is above the gateway's ask timeout
   * (10 s) and above a paused master's freeze, so that a send pending at a frozen master is
   * answered by that master once it resumes (or fails with its connection), never timed out here.
   */
  Workload.GroupProducing startLoad(History history, Duration resendFor) {
    SluiceClient client = cluster.clientOfAll(b -> b.requestTimeout(Duration.ofSeconds(60)).maxAttempts(1));
    return open(new Workload.GroupProducing(client, "p", TOPIC, QUEUES, history, RATE, resendFor));
  }

  /** The queues of {@link #TOPIC} in {@code group} (fixed when the topic was created). */
  Set<Integer> queuesOf(String group) {
    RawGrpc raw = open(new RawGrpc(cluster.node(cluster.running().get(0)).grpcPort()));
    Set<Integer> queues = ConcurrentHashMap.newKeySet();
    Await.until("a route of " + TOPIC + " over every broker group", Duration.ofSeconds(30), () -> {
      var route = ClusterTest.route(raw, TOPIC);
      queues.clear();
      route.getQueuesList().stream().filter(q -> q.getBrokerGroup().equals(group))
          .forEach(q -> queues.add(q.getQueueId()));
      return ClusterTest.queuesPerGroup(route).keySet().equals(Set.of("g1", "g2", "g3"));
    });
    return Set.copyOf(queues);
  }

  /** Replica {@code replicaId} of {@code group} as the master on node {@code masterNode} sees it, or null. */
  JsonNode replicaSeenBy(int masterNode, String group, String replicaId) {
    JsonNode g = cluster.replicationOf(masterNode, group);
    if (g == null || !"master".equals(g.path("role").asText())) {
      return null;
    }
    for (JsonNode r : g.path("replicas")) {
      if (r.path("replicaId").asText().equals(replicaId)) {
        return r;
      }
    }
    return null;
  }

  boolean inSync(int masterNode, String group, String replicaId) {
    JsonNode r = replicaSeenBy(masterNode, group, replicaId);
    return r != null && r.path("inSync").asBoolean();
  }

  void awaitInSync(int masterNode, String group, String replicaId) {
    Await.until(group + "'s master n" + masterNode + " lists " + replicaId + " in sync", TIMEOUT,
        () -> inSync(masterNode, group, replicaId), () -> String.valueOf(cluster.replication(masterNode)));
  }

  void awaitMaster(int node, String group) {
    Await.until("n" + node + " the master of " + group, TIMEOUT, () -> cluster.isMasterOf(node, group),
        () -> cluster.running().stream().map(i -> "n" + i + ": " + cluster.replication(i))
            .collect(Collectors.joining("; ")));
  }

  /** Waits until node {@code i} carries {@code group} as a replica fetching from a master. */
  void awaitReplica(int i, String group) {
    Await.until("n" + i + " a replica of " + group + " with a master", TIMEOUT, () -> {
      JsonNode g = cluster.replicationOf(i, group);
      return g != null && "replica".equals(g.path("role").asText()) && !g.path("master").isNull()
          && !g.path("master").asText().isEmpty();
    }, () -> String.valueOf(cluster.replication(i)));
  }

  void awaitAcked(History history, Workload.GroupProducing load, long count) {
    long target = history.acked() + count;
    Await.until(count + " more sends acknowledged", TIMEOUT, () -> history.acked() >= target,
        () -> history.acked() + " acked; attempt failures " + load.attemptFailures());
  }

  /** Waits for the first acknowledgement on {@code queues} of an attempt started after {@code faultNanos}; its time. */
  long awaitFirstAckAfter(Workload.GroupProducing load, Set<Integer> queues, long faultNanos, String what) {
    long[] first = {-1};
    Await.until(what, TIMEOUT, () -> (first[0] = load.firstAckOfAttemptAfter(queues, faultNanos)) > 0,
        () -> "attempt failures " + load.attemptFailures());
    return first[0];
  }

  static long millis(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  static long millisSince(long nanos) {
    return millis(nanos, System.nanoTime());
  }

  /**
   * Prints {@code [it] OUTCOMES scenario=<name> mode=<mode> group=<g> ...} for the failed group's
   * queues: sends acknowledged, lost (acknowledged, never drained), duplicates (ids the draining
   * group read more than once: stored twice), failed and unknown outcomes. An unknown send has no
   * receipt, so its queue is the one its message group's acknowledged sends went to.
   */
  static void printOutcomes(String scenario, String mode, String group, History history,
      HistoryChecker.Report report, Set<Integer> queues) {
    List<History.Send> sends = history.sends();
    Map<String, Integer> queueOfMessageGroup = new HashMap<>();
    sends.stream().filter(s -> s.outcome() == History.Outcome.OK)
        .forEach(s -> queueOfMessageGroup.put(s.messageGroup(), s.queueId()));
    List<History.Send> ofGroup = sends.stream()
        .filter(s -> queues.contains(queueOfMessageGroup.getOrDefault(s.messageGroup(), -1))).toList();
    long acked = ofGroup.stream().filter(s -> s.outcome() == History.Outcome.OK).count();
    long lost = ofGroup.stream().filter(s -> report.lost().contains(s.id())).count();
    long failed = ofGroup.stream().filter(s -> s.outcome() == History.Outcome.FAIL).count();
    long unknown = ofGroup.stream().filter(s -> s.outcome() == History.Outcome.UNKNOWN).count();
    Map<String, Integer> drainedTimes = new HashMap<>();
    history.deliveries().stream().filter(d -> d.consumerGroup().equals("drain") && queues.contains(d.queueId()))
        .forEach(d -> drainedTimes.merge(d.id(), 1, Integer::sum));
    long duplicates = drainedTimes.values().stream().filter(n -> n > 1).count();
    System.out.printf("[it] OUTCOMES scenario=%s mode=%s group=%s acked=%d lost=%d (%.4f%%) duplicates=%d failed=%d"
        + " unknown=%d%n", scenario, mode, group, acked, lost, 100.0 * lost / Math.max(1, acked), duplicates, failed,
        unknown);
  }

  /** A message group that the broker places on {@code queue} of {@link #TOPIC}. */
  static String messageGroupOn(int queue) {
    return ClusterTest.groupHashingTo(queue, QUEUES);
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * (a) SIGKILL of a group's master under load: its replica takes over, nothing acknowledged is
   * lost, the killed node returns as a replica. (b) then SIGSTOP of another group's master (the
   * controller's node) past SBR: the group fails over while it is frozen; on SIGCONT it is downed
   * (its JVM exits) or deposed, the test restarts it, and it returns as a replica having cut its
   * divergent tail (if any) into {@code divergent/}; nothing it acknowledged is lost.
   */
  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES) // two failovers, two restarts and a long drain on a busy 2-core machine
  void syncKilledAndPausedMastersFailOverWithNothingAcknowledgedLost() throws Exception {
    startCluster("sync", "replica-max-lag=3s");
    int controller = cluster.singletonNode();
    int[] masters = awaitAllReplicated();
    int k = groupNotMasteredOn(masters, controller);
    int killed = masters[k];
    int heir = otherReplica(k, killed);
    String killedGroup = group(k);
    Set<Integer> killedQueues = queuesOf(killedGroup);
    History history = new History();
    Workload.GroupProducing load = startLoad(history, Duration.ofSeconds(60));
    awaitAcked(history, load, 2_000);

    // (a) kill the master of g<killed>
    cluster.sigkill(killed);
    long fault = System.nanoTime();
    long firstAck = awaitFirstAckAfter(load, killedQueues, fault, "a send to " + killedGroup + " acknowledged after the kill");
    awaitMaster(heir, killedGroup);
    long promotedMs = millisSince(fault);
    System.out.printf("[it] FAILOVER scenario=kill-master mode=sync group=%s ms=%d (SIGKILL of n%d; n%d the master"
        + " within %d ms; SBR stable-after %d s)%n", killedGroup, millis(fault, firstAck), killed, heir, promotedMs,
        ClusterHarness.STABLE_AFTER.toSeconds());

    long restarted = System.nanoTime();
    cluster.restart(killed);
    awaitReplica(killed, killedGroup);
    awaitInSync(heir, killedGroup, replicaId(killed));
    masters = awaitAllReplicated();
    System.out.printf("[it] n%d restarted: a replica of %s, back in its in-sync set (and every group replicated"
        + " again) %d ms after the restart began%n", killed, killedGroup, millisSince(restarted));
    awaitAcked(history, load, 1_000);

    // (b) freeze the master of another group past SBR: the controller's node when it masters one
    int j = k;
    for (int m = 1; m <= 3; m++) {
      if (m != k && (masters[m] == controller || j == k)) {
        j = m;
      }
    }
    String pausedGroup = group(j);
    Set<Integer> pausedQueues = queuesOf(pausedGroup);
    int paused = masters[j];
    int pausedHeir = otherReplica(j, paused);
    cluster.sigstop(paused);
    long pause = System.nanoTime();
    awaitMaster(pausedHeir, pausedGroup);
    long promotedPauseMs = millisSince(pause);
    SluiceClient survivors = cluster.clientOf(
        cluster.running().stream().filter(i -> i != paused).toList(), b -> b.requestTimeout(Duration.ofSeconds(5)));
    long probeAck = sendUntilAcked(survivors, messageGroupOn(pausedQueues.iterator().next()), history);
    System.out.printf("[it] FAILOVER scenario=pause-master mode=sync group=%s ms=%d (SIGSTOP of n%d%s; n%d the"
        + " master within %d ms)%n", pausedGroup, millis(pause, probeAck), paused,
        paused == controller ? ", the controller's node" : "", pausedHeir, promotedPauseMs);

    cluster.sigcont(paused);
    long resumed = System.nanoTime();
    JsonNode zombieView = cluster.replicationOf(paused, pausedGroup); // its own view, if it answers before it exits
    Await.until("n" + paused + " exited (downed) or a replica of " + pausedGroup, TIMEOUT,
        () -> !cluster.isRunning(paused) || followsAnotherMaster(paused, pausedGroup),
        () -> String.valueOf(cluster.replication(paused)));
    boolean exited = !cluster.isRunning(paused);
    if (exited) {
      cluster.restart(paused);
    }
    awaitReplica(paused, pausedGroup);
    awaitInSync(pausedHeir, pausedGroup, replicaId(paused));
    long pendingAcked = load.ackedAttemptsSpanning(pausedQueues, pause, resumed);
    List<String> divergent = divergentFiles(storeOf(paused, j));
    System.out.printf("[it] n%d resumed: %s; its view of %s right after SIGCONT: %s; back as a replica in sync %d ms"
        + " after SIGCONT; divergent tail files %s; sends pending at the freeze acknowledged after it resumed: %d%n",
        paused, exited ? "downed, JVM exited, restarted" : "deposed without exiting", pausedGroup, zombieView,
        millisSince(resumed), divergent, pendingAcked);
    awaitAcked(history, load, 1_000);
    load.close();

    Workload.drain(cluster.clientOfAll(), "drain", List.of(TOPIC), history, DRAIN_TIMEOUT);
    HistoryChecker.Report report = HistoryChecker.check(history, "drain");
    System.out.printf("[it] sync kill + pause: attempt failures %s; %s%n", load.attemptFailures(), report.summary());
    printOutcomes("kill-master", "sync", killedGroup, history, report, killedQueues);
    printOutcomes("pause-master", "sync", pausedGroup, history, report, pausedQueues);
    report.assertValid();
  }

  // ---------------------------------------------------------------------------------------------

  /** (c) {@code async}: SIGKILL of a master under load; the acknowledged messages it had not copied are lost, counted. */
  @Test
  @Tag("failover") // the long failover scenarios: mvn -pl it -am verify -Pfailover (see the README)
  @Timeout(value = 10, unit = TimeUnit.MINUTES) // a failover, a restart and a long drain
  void asyncKilledMasterFailsOverAndItsLossIsCounted() throws Exception {
    startCluster("async", "replica-max-lag=3s");
    int[] masters = awaitAllReplicated();
    int k = groupNotMasteredOn(masters, cluster.singletonNode());
    int killed = masters[k];
    int heir = otherReplica(k, killed);
    String killedGroup = group(k);
    Set<Integer> killedQueues = queuesOf(killedGroup);
    History history = new History();
    Workload.GroupProducing load = startLoad(history, Duration.ofSeconds(60));
    awaitAcked(history, load, 2_000);

    cluster.sigkill(killed);
    long fault = System.nanoTime();
    long firstAck = awaitFirstAckAfter(load, killedQueues, fault, "a send to " + killedGroup + " acknowledged after the kill");
    awaitMaster(heir, killedGroup);
    long failoverMs = millis(fault, firstAck);

    cluster.restart(killed);
    awaitReplica(killed, killedGroup);
    awaitInSync(heir, killedGroup, replicaId(killed));
    List<String> divergent = divergentFiles(storeOf(killed, k));
    awaitAcked(history, load, 1_000);
    load.close();

    Workload.drain(cluster.clientOfAll(), "drain", List.of(TOPIC), history, DRAIN_TIMEOUT);
    HistoryChecker.Report report = HistoryChecker.check(history, "drain");
    long ackedToGroup = history.sends().stream()
        .filter(s -> s.outcome() == History.Outcome.OK && killedQueues.contains(s.queueId())).count();
    System.out.printf("[it] FAILOVER scenario=kill-master mode=async group=%s ms=%d lost=%d of %d acked to %s"
        + " (%.4f%%); divergent tail files of the returned n%d %s; offset conflicts %d%n", killedGroup, failoverMs,
        report.lost().size(), ackedToGroup, killedGroup, 100.0 * report.lost().size() / Math.max(1, ackedToGroup),
        killed, divergent, report.offsetConflicts().size());
    System.out.printf("[it] async kill: attempt failures %s; %s%n", load.attemptFailures(), report.summary());
    printOutcomes("kill-master", "async", killedGroup, history, report, killedQueues);
    // async may lose what the master acknowledged and never copied: nothing else may go wrong
    assertEquals(Set.of(), report.unexpected(), "delivered, never sent");
    assertEquals(List.of(), report.offsetGaps(), "gaps in the drained offsets");
    assertEquals(List.of(), report.fifoViolations(), "FIFO order");
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * (d) A replica frozen until the in-sync set drops it, then more writes acknowledged by the master
   * alone, then the master killed: the stale replica (resumed at once, so the survivors keep a
   * majority) is never elected; the group goes OFFLINE and sends to it are refused
   * QUEUE_UNAVAILABLE. The old master, restarted (unclean: not eligible by itself), is forced master
   * by the audited admin call; the stale replica catches up and nothing acknowledged is lost. SBR's {@code stable-after} is 10 s here so that the frozen replica stays a member.
   */
  @Test
  @Tag("failover") // the long failover scenarios: mvn -pl it -am verify -Pfailover (see the README)
  @Timeout(value = 10, unit = TimeUnit.MINUTES) // a failover, a restart and a long drain
  void anOutOfSyncReplicaIsNeverElected() throws Exception {
    startCluster("sync", "replica-max-lag=2s", "-Dpekko.cluster.split-brain-resolver.stable-after=10s");
    // g<k> with k after the controller's node: neither of its replicas is on the controller's node
    int k = nextNode(cluster.singletonNode());
    int master = awaitAllReplicated()[k];
    int stale = otherReplica(k, master);
    String g = group(k);
    Set<Integer> queues = queuesOf(g);
    History history = new History();
    Workload.GroupProducing load = startLoad(history, Duration.ofSeconds(10));
    awaitAcked(history, load, 2_000);
    awaitReplica(stale, g);
    long staleEpoch = cluster.replicationOf(stale, g).path("epoch").asLong();

    cluster.sigstop(stale);
    Await.until(g + "'s in-sync set without " + replicaId(stale), TIMEOUT,
        () -> replicaSeenBy(master, g, replicaId(stale)) != null && !inSync(master, g, replicaId(stale)),
        () -> String.valueOf(cluster.replication(master)));
    long shrunk = System.nanoTime();
    Await.until("200 sends to " + g + " acknowledged by its master alone", TIMEOUT,
        () -> load.ackedSince(queues, shrunk) >= 200, () -> "attempt failures " + load.attemptFailures());
    JsonNode lag = replicaSeenBy(master, g, replicaId(stale));
    long masterEnd = cluster.replicationOf(master, g).path("logEnd").asLong();
    cluster.sigkill(master);
    cluster.sigcont(stale);
    long fault = System.nanoTime();

    SluiceClient probe = cluster.clientOfAll(b -> b.requestTimeout(Duration.ofSeconds(5)).maxAttempts(1));
    AtomicReference<SluiceException> refusal = new AtomicReference<>();
    String probeGroup = messageGroupOn(queues.iterator().next());
    try (Producer producer = probe.newProducer(ProducerSettings.builder().build())) {
      Await.until("sends to " + g + " refused QUEUE_UNAVAILABLE naming it OFFLINE", TIMEOUT, () -> {
        SluiceException e = refusedSend(producer, probeGroup, history);
        refusal.set(e);
        return e != null && e.reason() == Reason.QUEUE_UNAVAILABLE && e.getMessage().contains("OFFLINE");
      }, () -> "last answer: " + refusal.get());
      long offlineMs = millisSince(fault);
      Await.until("the controller's decision for " + g + " OFFLINE as n" + stale + " sees it", TIMEOUT,
          () -> "OFFLINE".equals(controllerStatusOn(stale, g)), () -> String.valueOf(cluster.replicationOf(stale, g)));
      // the stale replica keeps reporting to the controller: it must stay a replica all along
      for (int n = 0; n < 20; n++) {
        SluiceException e = refusedSend(producer, probeGroup, history);
        assertTrue(e != null && e.reason() == Reason.QUEUE_UNAVAILABLE, "a send to OFFLINE " + g + " answered " + e);
        assertEquals("replica", roleOn(stale, g), "the stale replica n" + stale + " of " + g);
        Await.pause();
      }
      assertEquals(staleEpoch, cluster.replicationOf(stale, g).path("epoch").asLong(),
          "the stale replica's epoch (a promotion starts a new one)");
      System.out.printf("[it] out-of-sync replica n%d of %s (%s behind a master log end of %d): master SIGKILLed,"
          + " OFFLINE (%s) after %d ms, the replica never elected%n", stale, g, lag, masterEnd,
          refusal.get().getMessage(), offlineMs);
    }

    // The old master holds every acknowledged write, but it was SIGKILLed (an unclean stop): it
    // returns not eligible, so an operator forces it (audited) and the stale replica catches up.
    long restarted = System.nanoTime();
    cluster.restart(master);
    int controller = cluster.singletonNode();
    AtomicReference<ClusterHarness.HttpAnswer> forced = new AtomicReference<>();
    // refused until the restarted node has reported its replica to the controller
    Await.until("the old master forced master of " + g, TIMEOUT, () -> {
      forced.set(cluster.post(controller, "/cluster/replication/" + g + "/force-master?replica=" + replicaId(master)
          + "&reason=FailoverTest-old-master-has-every-acked-write"));
      return forced.get().status() == 200;
    }, () -> "last answer " + forced.get());
    awaitMaster(master, g);
    Await.until("the forced election audited in the controller's log", TIMEOUT,
        () -> logged(controller, "AUDIT forced unclean master"));
    Await.until("sends to " + g + " acknowledged again", TIMEOUT, () -> load.ackedSince(queues, restarted) >= 100,
        () -> "attempt failures " + load.attemptFailures());
    awaitInSync(master, g, replicaId(stale));
    System.out.printf("[it] the old master n%d of %s restarted and forced master (%s): writes acknowledged, the"
        + " stale replica back in sync %d ms after the restart began%n", master, g, forced.get().body().strip(),
        millisSince(restarted));
    load.close();

    Workload.drain(cluster.clientOfAll(), "drain", List.of(TOPIC), history, DRAIN_TIMEOUT);
    HistoryChecker.Report report = HistoryChecker.check(history, "drain");
    System.out.printf("[it] out-of-sync replica: attempt failures %s; %s%n", load.attemptFailures(), report.summary());
    printOutcomes("out-of-sync-replica", "sync", g, history, report, queues);
    report.assertValid();
  }

  // ---------------------------------------------------------------------------------------------

  /** Node {@code i}'s role for {@code group} ("master", "replica"), or null when it does not answer. */
  /**
   * Whether node {@code i} is a replica of {@code group} and knows another node masters it: a downed
   * node that leaves is a replica for a moment too (its planned switch away), on its old view.
   */
  boolean followsAnotherMaster(int i, String group) {
    JsonNode g = cluster.replicationOf(i, group);
    return g != null && "replica".equals(g.path("role").asText())
        && !g.path("controller").path("master").asText().equals(replicaId(i));
  }

  String roleOn(int i, String group) {
    JsonNode g = cluster.replicationOf(i, group);
    return g == null ? null : g.path("role").asText();
  }

  /** The status of the controller's latest decision for {@code group} as node {@code i} saw it, or null. */
  String controllerStatusOn(int i, String group) {
    JsonNode g = cluster.replicationOf(i, group);
    return g == null || !g.path("controller").isObject() ? null : g.path("controller").path("status").asText();
  }

  /**
   * Sends new messages of {@code messageGroup} (recorded in {@code history}) until one is
   * acknowledged; returns when ({@code System.nanoTime()}).
   */
  static long sendUntilAcked(SluiceClient client, String messageGroup, History history) {
    long[] acked = {-1};
    try (Producer producer = client.newProducer(ProducerSettings.builder().build())) {
      Await.until("a send of " + messageGroup + " acknowledged", TIMEOUT, () -> {
        if (refusedSend(producer, messageGroup, history) == null) {
          acked[0] = System.nanoTime();
          return true;
        }
        return false;
      });
    }
    return acked[0];
  }

  /** Sends one new message of {@code messageGroup}, recorded in {@code history}; null when acknowledged, else the failure. */
  static SluiceException refusedSend(Producer producer, String messageGroup, History history) {
    Message m = Message.builder().topic(TOPIC).messageGroup(messageGroup)
        .body(("probe-" + System.nanoTime()).getBytes(StandardCharsets.UTF_8)).build();
    history.invoke(m.messageId(), TOPIC, messageGroup);
    try {
      SendReceipt r = producer.send(m);
      history.ok(m.messageId(), r.queueId(), r.offset());
      return null;
    } catch (SluiceException e) {
      if (e.reason() == Reason.QUEUE_UNAVAILABLE || e.reason() == Reason.NOT_MASTER
          || e.reason() == Reason.NOT_ENOUGH_REPLICAS) {
        history.fail(m.messageId());
      } else {
        history.unknown(m.messageId());
      }
      return e;
    }
  }

  /** Whether node {@code i}'s log file (its whole output) has a line containing {@code text}. */
  boolean logged(int i, String text) {
    try {
      return new String(Files.readAllBytes(cluster.node(i).logFile()), StandardCharsets.ISO_8859_1).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  /** The store directory of node {@code i}'s copy of {@code g<k>}: its own group's, or a replica's. */
  Path storeOf(int i, int k) {
    return i == k ? cluster.dataDir(i).resolve("store")
        : cluster.dataDir(i).resolve("replicas").resolve(group(k)).resolve("store");
  }

  /** The files in a store's {@code divergent/} directory with their sizes (none: the store cut nothing). */
  static List<String> divergentFiles(Path store) throws IOException {
    Path dir = StoreSettings.of(store, "").divergentDir();
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().map(f -> f.getFileName() + " (" + f.toFile().length() + " bytes)").toList();
    }
  }
}
