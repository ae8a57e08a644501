package io.sluice.gateway.owner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sluice.gateway.BrokerException;
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
    Config config = ConfigFactory.parseString(
            "pekko.actor.provider = cluster\n"
                + "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"\n"
                + "pekko.remote.artery.canonical.port = 0\n"
                + "pekko.cluster.roles = [\"broker-group:" + group + "\"]\n"
                + "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
                + "pekko.actor.serialize-messages = on\n"
                + "pekko.coordinated-shutdown.exit-jvm = off\n")
        .withFallback(ConfigFactory.defaultReference());
    return ActorSystem.create(Behaviors.empty(), "owners", config);
  }

  /** Answers with the group's name and the request, so the test sees where a call ran. */
  private static OwnerCalls.Local answering(String group) {
    return (kind, request) -> CompletableFuture.completedFuture(
        (group + ":" + kind + ":" + new String(request, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
  }

  private static Supplier<CompletionStage<byte[]>> here(String group) {
    return () -> answering(group).run(OwnerCalls.Kind.QUERY_MESSAGES, "here".getBytes(StandardCharsets.UTF_8));
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
    OwnerRouter r1 = new OwnerRouter(n1, Duration.ofSeconds(5));
    OwnerRouter r2 = new OwnerRouter(n2, Duration.ofSeconds(5));
    r1.startOwnerCalls(answering("g1"));
    r2.startOwnerCalls(answering("g2"));
    byte[] request = "req".getBytes(StandardCharsets.UTF_8);

    // the receptionist spreads registrations by gossip: ask until g2's owner is known on n1
    String fromG2 = awaitAnswer(() -> r1.call("g2", OwnerCalls.Kind.QUERY_MESSAGES, request, here("g1")));
    assertEquals("g2:QUERY_MESSAGES:req", fromG2);
    assertEquals("g1:QUERY_MESSAGES:here", text(r1.call("g1", OwnerCalls.Kind.QUERY_MESSAGES, request, here("g1"))));
    assertEquals("g1:QUERY_MESSAGES:here", text(r1.call("", OwnerCalls.Kind.QUERY_MESSAGES, request, here("g1"))));

    Map<String, byte[]> all = r1.callAll(List.of("g2", "g1"), OwnerCalls.Kind.LIST_DEAD_LETTERS, request, here("g1"))
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(List.of("g1", "g2"), List.copyOf(all.keySet()));
    assertEquals("g2:LIST_DEAD_LETTERS:req", new String(all.get("g2"), StandardCharsets.UTF_8));

    n2.terminate();
    n2.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    BrokerException missed = awaitRefusal(() -> r1.callAll(Set.of("g1", "g2", "g3"), OwnerCalls.Kind.QUERY_MESSAGES, request, here("g1")));
    assertEquals(Reason.QUEUE_UNAVAILABLE, missed.reason());
    assertTrue(missed.getMessage().contains("g2, g3"), missed.getMessage());
  }

  private static String text(CompletionStage<byte[]> answer) throws Exception {
    return new String(answer.toCompletableFuture().get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8);
  }

  private static String awaitAnswer(Supplier<CompletionStage<byte[]>> call) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        return new String(call.get().toCompletableFuture().join(), StandardCharsets.UTF_8);
      } catch (CompletionException e) {
        assertEquals(Reason.QUEUE_UNAVAILABLE, BrokerException.of(e).reason());
        assertTrue(System.nanoTime() < deadline, "no answer from g2 within 60 s");
        TimeUnit.MILLISECONDS.sleep(100);
      }
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
