package io.sluice.actors.group;

import io.sluice.actors.consume.RetryPolicy;
import io.sluice.actors.registry.SnapshotFeed;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;

/**
 * This node's copy of the consumer groups' retry policies, read by every {@code GroupQueue} when a
 * delivery fails. One feed per node keeps it current (the {@link ConsumerGroupRegistry}'s
 * broadcasts plus a refresh every second, see {@link SnapshotFeed}); until the first snapshot
 * arrives, every group has the default policy. Thread-safe.
 */
public final class RetryPolicyCatalog implements Extension {
  static final Duration REFRESH_INTERVAL = Duration.ofSeconds(1);

  private static final class Id extends ExtensionId<RetryPolicyCatalog> {
    @Override
    public RetryPolicyCatalog createExtension(ActorSystem<?> system) {
      return new RetryPolicyCatalog(system);
    }
  }

  private static final Id ID = new Id();

  private final AtomicReference<RetryPolicies> current = new AtomicReference<>(RetryPolicies.EMPTY);

  private RetryPolicyCatalog(ActorSystem<?> system) {
    ActorRef<ConsumerGroupRegistry.Command> registry = ConsumerGroupRegistry.init(system);
    system.systemActorOf(
        SnapshotFeed.create(RetryPolicies.class, ConsumerGroupRegistry.BROADCAST,
            self -> registry.tell(new ConsumerGroupRegistry.GetRetryPolicies(self)), this::offer,
            REFRESH_INTERVAL),
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
