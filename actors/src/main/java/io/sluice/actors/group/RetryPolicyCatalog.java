package io.sluice.actors.group;

import io.sluice.actors.consume.RetryPolicy;
import io.sluice.actors.registry.ReplicatedFeed;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;

/**
 * This node's copy of the consumer groups' retry policies, read by every {@code GroupQueue} when a
 * delivery fails. One feed per node keeps it current from this node's Distributed Data replica of
 * {@link ConsumerGroupRegistry#KEY} (see {@link ReplicatedFeed}); until the first snapshot arrives,
 * every group has the default policy. Thread-safe.
 */
public final class RetryPolicyCatalog implements Extension {
  private static final class Id extends ExtensionId<RetryPolicyCatalog> {
    @Override
    public RetryPolicyCatalog createExtension(ActorSystem<?> system) {
      return new RetryPolicyCatalog(system);
    }
  }

  private static final Id ID = new Id();

  private final AtomicReference<RetryPolicies> current = new AtomicReference<>(RetryPolicies.EMPTY);

  private RetryPolicyCatalog(ActorSystem<?> system) {
    system.systemActorOf(
        ReplicatedFeed.create(ConsumerGroupRegistry.KEY, entries -> offer(RetryPolicies.of(entries))),
        "retry-policy-feed",
        Props.empty());
  }

  /** This node's catalog, started with its feed on first use. */
  public static RetryPolicyCatalog get(ActorSystem<?> system) {
    return system.registerExtension(ID);
  }

  public RetryPolicy policyOf(String group) {
    return current.get().of(group);
  }

  public RetryPolicies snapshot() {
    return current.get();
  }

  /** Keeps the snapshot with the highest revision. */
  void offer(RetryPolicies policies) {
    current.accumulateAndGet(policies, (held, offered) -> offered.revision() > held.revision() ? offered : held);
  }
}
