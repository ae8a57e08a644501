package io.sluice.gateway.owner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sluice.actors.controller.GroupState;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.cluster.ControllerDecisions;
import io.sluice.gateway.cluster.ServedGroups;
import io.sluice.protocol.v1.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two cluster nodes in one JVM (broker groups g1 and g2, every message serialized): a call for a
 * group runs on the node owning it, a merged call reaches every group, and a group whose node left
 * fails the call with QUEUE_UNAVAILABLE naming it.
 */
class OwnerRoutingClusterTest {
  private ActorSystem<Void> n1;
  private ActorSystem<Void> n2;

  private static ActorSystem<Void> node(String group) {
    return node(group, "");
  }

  private static ActorSystem<Void> node(String group, String extraConfig) {
    Config config = ConfigFactory.parseString(extraConfig + "\n"
                + "pekko.actor.provider = cluster\n"
                + "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"\n"
                + "pekko.remote.artery.canonical.port = 0\n"
                + "pekko.cluster.roles = [\"broker-group:" + group + "\"]\n"
                + "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
                + "pekko.actor.serialize-messages = on\n"
                + "pekko.coordinated-shutdown.exit-jvm = off\n")
        .withFallback(ConfigFactory.defaultReference());
    return ActorSystem.create(Behaviors.empty(), "owners", config);
  }

  /** Answers with the node's name, the group asked for and the request, so the test sees where a call ran. */
  private static OwnerCalls.Local answering(String node) {
    return (group, kind, request) -> CompletableFuture.completedFuture(
        (node + "/" + group + ":" + kind + ":" + new String(request, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
  }

  private static Function<String, CompletionStage<byte[]>> here(String node) {
    return group -> answering(node).run(group, OwnerCalls.Kind.QUERY_MESSAGES, "here".getBytes(StandardCharsets.UTF_8));
  }

  private static OwnerRouter router(ActorSystem<Void> node, String group) {
    return new OwnerRouter(node, Duration.ofSeconds(5), ServedGroups.start(node, group));
  }

  @AfterEach
  void stop() throws Exception {
    for (ActorSystem<Void> s : java.util.Arrays.asList(n1, n2)) {
      if (s != null) {
        s.terminate();
        s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void callsRunOnTheOwningNodeAndAGroupWithoutNodeIsNamed() throws Exception {
    n1 = node("g1");
    n2 = node("g2");
    Cluster.get(n1).manager().tell(Join.create(Cluster.get(n1).selfMember().address()));
    Cluster.get(n2).manager().tell(Join.create(Cluster.get(n1).selfMember().address()));
    OwnerRouter r1 = router(n1, "g1");
    OwnerRouter r2 = router(n2, "g2");
    r1.startOwnerCalls(answering("n1"));
    r2.startOwnerCalls(answering("n2"));
    byte[] request = "req".getBytes(StandardCharsets.UTF_8);

    // the receptionist spreads registrations by gossip: ask until g2's owner is known on n1
    String fromG2 = awaitAnswer(() -> r1.call("g2", OwnerCalls.Kind.QUERY_MESSAGES, request, here("n1")), "n2/g2");
    assertEquals("n2/g2:QUERY_MESSAGES:req", fromG2);
    assertEquals("n1/g1:QUERY_MESSAGES:here", text(r1.call("g1", OwnerCalls.Kind.QUERY_MESSAGES, request, here("n1"))));
    assertEquals("n1/:QUERY_MESSAGES:here", text(r1.call("", OwnerCalls.Kind.QUERY_MESSAGES, request, here("n1"))));

    Map<String, byte[]> all = r1.callAll(List.of("g2", "g1"), OwnerCalls.Kind.LIST_DEAD_LETTERS, request, here("n1"))
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(List.of("g1", "g2"), List.copyOf(all.keySet()));
    assertEquals("n2/g2:LIST_DEAD_LETTERS:req", new String(all.get("g2"), StandardCharsets.UTF_8));

    n2.terminate();
    n2.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    BrokerException missed = awaitRefusal(() -> r1.callAll(Set.of("g1", "g2", "g3"), OwnerCalls.Kind.QUERY_MESSAGES, request, here("n1")));
    assertEquals(Reason.QUEUE_UNAVAILABLE, missed.reason());
    assertTrue(missed.getMessage().contains("g2, g3"), missed.getMessage());
  }

  @Test
  void aReplicatedGroupIsAnsweredByItsActiveMasterOnly() throws Exception {
    String replicated = "sluice.controller.groups { g1 = [g1, g2] }";
    n1 = node("g1", replicated);
    n2 = node("g2", replicated);
    Cluster.get(n1).manager().tell(Join.create(Cluster.get(n1).selfMember().address()));
    Cluster.get(n2).manager().tell(Join.create(Cluster.get(n1).selfMember().address()));
    OwnerRouter r1 = router(n1, "g1");
    OwnerRouter r2 = router(n2, "g2");
    r1.startOwnerCalls(answering("n1"));
    r2.startOwnerCalls(answering("n2"));
    byte[] request = "req".getBytes(StandardCharsets.UTF_8);
    String n1Address = Cluster.get(n1).selfMember().address().toString();
    String n2Address = Cluster.get(n2).selfMember().address().toString();

    // no decision yet: not even the node carrying g1's role answers for it
    BrokerException undecided = refusal(r1.call("g1", OwnerCalls.Kind.QUERY_MESSAGES, request, here("n1")));
    assertEquals(Reason.QUEUE_UNAVAILABLE, undecided.reason());
    assertTrue(undecided.getMessage().contains("'g1' has no master yet"), undecided.getMessage());

    // n2 promoted: it answers for g1 from g1's store, and n1 hands g1's calls to it
    ControllerDecisions.decide(List.of(n1, n2), ControllerDecisions.state("g1", "g2", n2Address, 2, GroupState.Status.ACTIVE, 1));
    assertEquals("n2/g1:QUERY_MESSAGES:here", text(r2.call("g1", OwnerCalls.Kind.QUERY_MESSAGES, request, here("n2"))));
    assertEquals("n2/g1:QUERY_MESSAGES:req",
        awaitAnswer(() -> r1.call("g1", OwnerCalls.Kind.QUERY_MESSAGES, request, here("n1")), "n2/g1"));

    // being promoted again, to n1: refused on both nodes, saying so
    ControllerDecisions.decide(List.of(n1, n2), ControllerDecisions.state("g1", "g1", n1Address, 3, GroupState.Status.PROMOTING, 2));
    for (OwnerRouter r : List.of(r1, r2)) {
      BrokerException promoting = refusal(r.call("g1", OwnerCalls.Kind.QUERY_MESSAGES, request, here("any")));
      assertEquals(Reason.QUEUE_UNAVAILABLE, promoting.reason());
      assertTrue(promoting.getMessage().contains("'g1' is PROMOTING"), promoting.getMessage());
    }

    // n1 ACTIVE: n2 stopped answering for g1 and hands its calls to n1's owner
    ControllerDecisions.decide(List.of(n1, n2), ControllerDecisions.state("g1", "g1", n1Address, 3, GroupState.Status.ACTIVE, 3));
    assertEquals("n1/g1:QUERY_MESSAGES:req",
        awaitAnswer(() -> r2.call("g1", OwnerCalls.Kind.QUERY_MESSAGES, request, here("n2")), "n1/g1"));
    assertEquals("n2/g2:QUERY_MESSAGES:req",
        awaitAnswer(() -> r1.call("g2", OwnerCalls.Kind.QUERY_MESSAGES, request, here("n1")), "n2/g2"),
        "an unreplicated group is still its role holder's");
  }

  private static BrokerException refusal(CompletionStage<byte[]> answer) {
    CompletionException failed = assertThrows(CompletionException.class, () -> answer.toCompletableFuture().join());
    return BrokerException.of(failed);
  }

  private static String text(CompletionStage<byte[]> answer) throws Exception {
    return new String(answer.toCompletableFuture().get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8);
  }

  /** Asks until the answer starts with {@code from} (the receptionist and the decisions spread by gossip). */
  private static String awaitAnswer(Supplier<CompletionStage<byte[]>> call, String from) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        String answer = new String(call.get().toCompletableFuture().join(), StandardCharsets.UTF_8);
        if (answer.startsWith(from)) {
          return answer;
        }
      } catch (CompletionException e) {
        assertEquals(Reason.QUEUE_UNAVAILABLE, BrokerException.of(e).reason());
      }
      assertTrue(System.nanoTime() < deadline, "no answer from " + from + " within 60 s");
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  /** Waits until the cluster has removed the node that left (until then its group still answers, or times out). */
  private BrokerException awaitRefusal(Supplier<CompletionStage<Map<String, byte[]>>> call) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        call.get().toCompletableFuture().join();
      } catch (CompletionException e) {
        BrokerException refusal = BrokerException.of(e);
        if (refusal.getMessage().contains("g2")) {
          return refusal;
        }
      }
      assertTrue(System.nanoTime() < deadline, "g2 still answered 60 s after its node left");
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }
}
