package io.sluice.actors.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.consume.RetryPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer-group registry as a node runs it (a singleton, messages serialized as between
 * nodes): policies are broadcast to followers and survive a restart of the actor system.
 */
class ConsumerGroupRegistryTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final RetryPolicy FAST = new RetryPolicy(3, List.of(100L, 300L));
  private static final RetryPolicy SLOW = new RetryPolicy(20, List.of(60_000L));

  static RetryPolicies set(ActorTestKit kit, ActorRef<ConsumerGroupRegistry.Command> reg, String group,
      RetryPolicy policy) {
    TestProbe<StatusReply<RetryPolicies>> probe = kit.createTestProbe();
    reg.tell(new ConsumerGroupRegistry.SetRetryPolicy(group, policy, probe.getRef()));
    return probe.receiveMessage(WAIT).getValue();
  }

  @Test
  void policiesReachFollowersAndSurviveARestart(@TempDir Path dir) {
    RetryPolicies expected;
    ActorTestKit first = ActorTestKit.create("GroupRegistry1", ActorsTestConfig.create(dir));
    try {
      ActorsTestConfig.joinSelf(first.system());
      ActorRef<ConsumerGroupRegistry.Command> reg = ConsumerGroupRegistry.init(first.system());
      // this node's catalog, which GroupQueues read, follows every change
      RetryPolicyCatalog catalog = RetryPolicyCatalog.get(first.system());
      assertEquals(RetryPolicy.DEFAULT, catalog.policyOf("billing"), "before any change");

      set(first, reg, "billing", SLOW);
      set(first, reg, "billing", FAST);
      expected = set(first, reg, "audit", SLOW);
      RetryPolicies latest = expected;
      first.createTestProbe().awaitAssert(WAIT, () -> {
        assertEquals(latest, catalog.snapshot());
        return null;
      });
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = ActorTestKit.create("GroupRegistry2", ActorsTestConfig.create(dir));
    try {
      ActorsTestConfig.joinSelf(second.system());
      ActorRef<ConsumerGroupRegistry.Command> reg = ConsumerGroupRegistry.init(second.system());
      TestProbe<RetryPolicies> probe = second.createTestProbe();
      reg.tell(new ConsumerGroupRegistry.GetRetryPolicies(probe.getRef()));
      RetryPolicies recovered = probe.receiveMessage(WAIT);
      assertEquals(expected, recovered);
      assertEquals(FAST, recovered.of("billing"));
      assertEquals(SLOW, recovered.of("audit"));
      assertEquals(RetryPolicy.DEFAULT, recovered.of("never-set"));
      assertTrue(set(second, reg, "audit", FAST).revision() > expected.revision(), "revisions continue");
    } finally {
      second.shutdownTestKit();
    }
  }
}
