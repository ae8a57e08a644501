package io.sluice.actors.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import io.sluice.actors.ActorsTestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The replica controller on three actor systems joined in one cluster (in one JVM): replicas n1..n3
 * of broker group {@code g}, one per node, reported by the test with a probe per node as the
 * node's promotion hook. Node 1 is the oldest and runs the controller singleton.
 */
class ReplicaControllerClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String G = "g";

  private record Node(String id, ActorTestKit kit, ActorRef<ReplicaController.Command> controller,
      TestProbe<PromotionHook.Promote> hook) {}

  private final List<Node> nodes = new ArrayList<>();

  private void start(Path dir, String name) {
    for (int i = 1; i <= 3; i++) {
      var config = ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-actor-system-terminate = off")
          .withFallback(ActorsTestConfig.create(dir.resolve("n" + i)));
      ActorTestKit kit = ActorTestKit.create(name, config);
      Cluster cluster = Cluster.get(kit.system());
      cluster.manager().tell(Join.create(nodes.isEmpty() ? cluster.selfMember().address()
          : Cluster.get(nodes.get(0).kit().system()).selfMember().address()));
      nodes.add(new Node("n" + i, kit, ReplicaController.init(kit.system()), kit.createTestProbe()));
    }
    for (Node node : nodes) {
      node.kit().createTestProbe().awaitAssert(WAIT, Duration.ofMillis(100), () -> {
        long up = 0;
        for (var member : Cluster.get(node.kit().system()).state().getMembers()) {
          up += member.status() == MemberStatus.up() ? 1 : 0;
        }
        assertEquals(3, up, "members up");
        return null;
      });
    }
  }

  @AfterEach
  void stopAll() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).kit().shutdownTestKit();
    }
    nodes.clear();
  }

  private Node node(String id) {
    return nodes.stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
  }

  /** {@code id} reports its log to the controller through its own node; {@code master} first in the replica list. */
  private void report(String id, long epoch, long end, String configuredMaster) {
    report(id, epoch, end, configuredMaster, true);
  }

  private void report(String id, long epoch, long end, String configuredMaster, boolean cleanStart) {
    List<String> replicas = new ArrayList<>(List.of(configuredMaster));
    for (String other : List.of("n1", "n2", "n3")) {
      if (!other.equals(configuredMaster)) {
        replicas.add(other);
      }
    }
    Node node = node(id);
    node.controller().tell(new ReplicaController.Report(G, id, epoch, end, cleanStart, replicas, node.hook().getRef()));
  }

  private ReplicaController.States states(Node via) {
    TestProbe<ReplicaController.States> probe = via.kit().createTestProbe();
    via.controller().tell(new ReplicaController.GetStates(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private GroupState awaitState(Node via, Predicate<GroupState> condition, String what) {
    GroupState[] seen = new GroupState[1];
    via.kit().createTestProbe().awaitAssert(WAIT, Duration.ofMillis(50), () -> {
      seen[0] = states(via).byGroup().get(G);
      assertTrue(seen[0] != null && condition.test(seen[0]), what + ", but the state is " + seen[0]);
      return null;
    });
    return seen[0];
  }

  private ReplicaController.Decision ask(Node via, java.util.function.Function<ActorRef<ReplicaController.Decision>,
      ReplicaController.Command> command) {
    TestProbe<ReplicaController.Decision> probe = via.kit().createTestProbe();
    via.controller().tell(command.apply(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  /** Answers the promotion {@code id}'s hook receives and waits until the group is ACTIVE on it. */
  private PromotionHook.Promote promote(String id, long epoch) {
    PromotionHook.Promote promote = node(id).hook().receiveMessage(WAIT);
    assertEquals(G, promote.group());
    assertEquals(epoch, promote.epoch());
    promote.replyTo().tell(new ReplicaController.Promoted(G, id, epoch));
    awaitState(node(id), s -> s.status() == GroupState.Status.ACTIVE && s.master().equals(id) && s.epoch() == epoch,
        id + " active in epoch " + epoch);
    return promote;
  }

  /** Cold start: every replica reports an empty log, the configured master is elected in epoch 1 with all in sync. */
  private void activeOn(String master) {
    for (String id : List.of("n1", "n2", "n3")) {
      report(id, 0, 0, master);
    }
    PromotionHook.Promote promote = promote(master, 1);
    assertEquals(Set.of("n1", "n2", "n3"), promote.inSync());
  }

  private void leave(String id) {
    Node node = node(id);
    Cluster cluster = Cluster.get(node.kit().system());
    cluster.manager().tell(Leave.create(cluster.selfMember().address()));
    try {
      node.kit().system().getWhenTerminated().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(id + " did not leave", e);
    }
    node.kit().shutdownTestKit();
    nodes.remove(node);
  }

  @Test
  void theMasterLeavingElectsTheInSyncReplicaWithTheHighestEpochAndEnd(@TempDir Path dir) {
    start(dir, "Highest");
    activeOn("n3");
    report("n1", 1, 500, "n3");
    report("n2", 1, 700, "n3");
    // the reports are in before the master leaves: the controller answers in order
    states(node("n1"));

    leave("n3");
    PromotionHook.Promote promote = promote("n2", 2);
    assertEquals(Set.of("n1", "n2"), promote.inSync(), "the old master leaves the in-sync set");
    assertEquals(Set.of("n1", "n2"), awaitState(node("n1"), s -> true, "").inSync());
  }

  @Test
  void aColdStartElectsOnlyOnceEveryReplicaReportedAndNeverOneThatStartedUnclean(@TempDir Path dir) {
    start(dir, "ColdStart");
    report("n1", 2, 100, "n3");
    report("n2", 2, 300, "n3");
    assertEquals(null, states(node("n1")).byGroup().get(G), "n3 has not reported: no decision");
    // the configured master holds the most but restarted unclean
    report("n3", 2, 500, "n3", false);
    PromotionHook.Promote promote = promote("n2", 3);
    assertEquals(Set.of("n2"), promote.inSync(), "only replicas with n2's (epoch, end) are surely in sync");
    node("n3").hook().expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void aColdStartWithEveryReplicaUncleanElectsTheMostLog(@TempDir Path dir) {
    // every copy stopped unclean (SIGKILL of all nodes): none is better than the longest log, and
    // waiting for a clean report would keep the group offline for good
    start(dir, "AllUnclean");
    report("n1", 2, 100, "n3", false);
    report("n2", 2, 300, "n3", false);
    report("n3", 2, 200, "n3", false);
    PromotionHook.Promote promote = promote("n2", 3);
    assertEquals(Set.of("n2"), promote.inSync());
  }

  @Test
  void anUncleanInSyncReplicaIsNotElectedWhileAnotherInSyncMemberHasNotReported(@TempDir Path dir) {
    start(dir, "UncleanWaits");
    activeOn("n3");
    assertInstanceOf(ReplicaController.Accepted.class,
        ask(node("n3"), r -> new ReplicaController.ChangeInSync(G, "n3", 1, Set.of("n3", "n1"), r)));
    report("n1", 1, 100, "n3", false);
    report("n2", 1, 900, "n3");
    states(node("n1"));

    leave("n3");
    GroupState offline = awaitState(node("n1"), s -> s.status() == GroupState.Status.OFFLINE, "offline");
    assertEquals(Set.of("n3", "n1"), offline.inSync());
    // n3 may hold acknowledged writes n1 lost with its unflushed tail: n1 is not elected alone
    report("n1", 1, 100, "n3", false);
    node("n1").hook().expectNoMessage(Duration.ofMillis(500));
    node("n2").hook().expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void anOutOfSyncReplicaIsNeverElectedEvenWithMoreLog(@TempDir Path dir) {
    start(dir, "OutOfSync");
    activeOn("n3");
    assertInstanceOf(ReplicaController.Accepted.class,
        ask(node("n3"), r -> new ReplicaController.ChangeInSync(G, "n3", 1, Set.of("n3", "n1"), r)));
    report("n1", 1, 100, "n3");
    report("n2", 1, 900, "n3");
    states(node("n1"));

    leave("n3");
    promote("n1", 2);
    node("n2").hook().expectNoMessage(Duration.ofMillis(500));
  }

  @Test
  void aPlannedSwitchElectsTheReplicaItNamesEvenIfAnotherReportedMoreLog(@TempDir Path dir) {
    start(dir, "Switch");
    activeOn("n3");
    // reports lag: n1 (the target, caught up by the master's wait) last reported less than n2
    report("n1", 1, 100, "n3");
    report("n2", 1, 900, "n3");
    states(node("n1"));

    var refused = ask(node("n3"), r -> new ReplicaController.SwitchMaster(G, "n9", r));
    assertTrue(assertInstanceOf(ReplicaController.Refused.class, refused).reason().contains("n9"), refused::toString);
    var switched = ask(node("n3"), r -> new ReplicaController.SwitchMaster(G, "n1", r));
    GroupState decided = assertInstanceOf(ReplicaController.Accepted.class, switched, switched::toString).state();
    assertEquals("n1", decided.master());
    assertEquals(2, decided.epoch());
    assertEquals(Set.of("n1", "n2"), decided.inSync(), "the old master leaves the in-sync set");
    promote("n1", 2);
    node("n2").hook().expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void anInSyncChangeWithAStaleEpochOrFromAnotherReplicaIsRefused(@TempDir Path dir) {
    start(dir, "Fenced");
    activeOn("n3");
    var stale = ask(node("n3"), r -> new ReplicaController.ChangeInSync(G, "n3", 0, Set.of("n3"), r));
    assertTrue(assertInstanceOf(ReplicaController.Refused.class, stale).reason().startsWith("fenced"), stale::toString);
    var notMaster = ask(node("n2"), r -> new ReplicaController.ChangeInSync(G, "n2", 1, Set.of("n2"), r));
    assertTrue(assertInstanceOf(ReplicaController.Refused.class, notMaster).reason().startsWith("fenced"),
        notMaster::toString);
    assertEquals(Set.of("n1", "n2", "n3"), states(node("n1")).byGroup().get(G).inSync(), "refused changes change nothing");

    var current = ask(node("n3"), r -> new ReplicaController.ChangeInSync(G, "n3", 1, Set.of("n3", "n1"), r));
    assertEquals(Set.of("n3", "n1"), assertInstanceOf(ReplicaController.Accepted.class, current).state().inSync());
  }

  @Test
  void theControllerMovedToAnotherNodeKeepsTheStateAndTakesANewTerm(@TempDir Path dir) {
    start(dir, "Moved");
    activeOn("n2");
    assertInstanceOf(ReplicaController.Accepted.class,
        ask(node("n2"), r -> new ReplicaController.ChangeInSync(G, "n2", 1, Set.of("n2", "n3"), r)));
    ReplicaController.States before = states(node("n2"));

    // node 1 runs the controller: it leaves, the singleton starts on node 2 from what n2 and n3 hold
    leave("n1");
    ReplicaController.States after = states(node("n3"));
    assertTrue(after.term() > before.term(), "term " + before.term() + " then " + after.term());
    GroupState kept = after.byGroup().get(G);
    assertEquals(before.byGroup().get(G), kept);
    assertEquals(GroupState.Status.ACTIVE, kept.status());
    // and it decides: a change now carries the new term
    var change = ask(node("n2"), r -> new ReplicaController.ChangeInSync(G, "n2", 1, Set.of("n2"), r));
    assertEquals(after.term(), assertInstanceOf(ReplicaController.Accepted.class, change).state().term());
  }

  @Test
  void decisionsAreMadeAndKeptWithAMinorityOfNodesLost(@TempDir Path dir) {
    start(dir, "Minority");
    activeOn("n1");
    // node 3 stops without leaving: unreachable, still a member; n1 and n2 are a majority of 3
    Node lost = node("n3");
    lost.kit().system().terminate();
    lost.kit().system().getWhenTerminated().toCompletableFuture().join();
    nodes.remove(lost);

    var change = ask(node("n2"), r -> new ReplicaController.ChangeInSync(G, "n1", 1, Set.of("n1", "n2"), r));
    assertInstanceOf(ReplicaController.Accepted.class, change, change::toString);
    assertEquals(Set.of("n1", "n2"), awaitState(node("n2"), s -> s.inSync().size() == 2, "in-sync {n1, n2}").inSync());
  }

  @Test
  void noEligibleReplicaLeavesTheGroupOfflineAndAForcedElectionIsAudited(@TempDir Path dir) {
    start(dir, "Offline");
    activeOn("n3");
    assertInstanceOf(ReplicaController.Accepted.class,
        ask(node("n3"), r -> new ReplicaController.ChangeInSync(G, "n3", 1, Set.of("n3"), r)));
    report("n1", 1, 100, "n3");
    report("n2", 1, 200, "n3");
    states(node("n1"));

    leave("n3");
    GroupState offline = awaitState(node("n1"), s -> s.status() == GroupState.Status.OFFLINE, "offline");
    assertEquals("", offline.master());
    assertEquals(Set.of("n3"), offline.inSync(), "kept, so the old master is elected if it reports back clean");
    node("n1").hook().expectNoMessage(Duration.ofMillis(300));
    node("n2").hook().expectNoMessage(Duration.ofMillis(300));

    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(ReplicaController.class);
    ListAppender<ILoggingEvent> audit = new ListAppender<>();
    audit.start();
    logger.addAppender(audit);
    try {
      var forced = ask(node("n2"), r -> new ReplicaController.ForceUncleanMaster(G, "n1", "ticket OPS-42", r));
      GroupState decided = assertInstanceOf(ReplicaController.Accepted.class, forced, forced::toString).state();
      assertEquals("n1", decided.master());
      assertEquals(2, decided.epoch());
      assertEquals(Set.of("n1"), decided.inSync());
      promote("n1", 2);
      assertTrue(audit.list.stream().anyMatch(e -> e.getLevel() == Level.WARN
              && e.getFormattedMessage().contains("AUDIT forced unclean master")
              && e.getFormattedMessage().contains("ticket OPS-42")),
          "audit line at WARN naming the reason");
    } finally {
      logger.detachAppender(audit);
    }
  }
}
