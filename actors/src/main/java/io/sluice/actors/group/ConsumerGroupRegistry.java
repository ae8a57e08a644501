package io.sluice.actors.group;

import io.sluice.actors.CborSerializable;
import io.sluice.actors.LocalOnly;
import io.sluice.actors.consume.RetryPolicy;
import io.sluice.actors.registry.RegistryMaps;
import io.sluice.actors.registry.RegistrySettings;
import io.sluice.actors.registry.ReplicatedRegistry;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.pattern.StatusReply;

/**
 * The per-consumer-group settings of the cluster, today each group's {@link RetryPolicy}: kept in
 * Distributed Data ({@link #KEY}, a durable {@link LWWMap} of {@link PolicyEntry} by group, see
 * {@link RegistryMaps}) behind this cluster singleton, its only writer, exactly as the
 * {@link io.sluice.actors.topic.TopicRegistry} keeps topics (both through {@link ReplicatedRegistry}):
 * a majority read when it starts, one majority write per change, and every node's
 * {@link RetryPolicyCatalog} follows the key locally.
 * A change a majority did not confirm in time is answered with an error saying the outcome is unknown.
 */
public final class ConsumerGroupRegistry implements ReplicatedRegistry.Part<ConsumerGroupRegistry.Command> {

  public sealed interface Command extends CborSerializable {}

  public record SetRetryPolicy(String group, RetryPolicy policy, ActorRef<StatusReply<RetryPolicies>> replyTo)
      implements Command {}

  public record GetRetryPolicies(ActorRef<RetryPolicies> replyTo) implements Command {}

  /** Adds the policies of a node's journal-based registry (before Distributed Data) for groups this one does not know. */
  public record ImportRetryPolicies(RetryPolicies legacy, ActorRef<StatusReply<RetryPolicies>> replyTo)
      implements Command {}

  /** The registry machinery's message to itself. */
  private record Internal(ReplicatedRegistry.Signal<PolicyEntry> signal) implements Command, LocalOnly {}

  /** Events of the journal-based registry (before Distributed Data), read once by {@link PolicyJournal}. */
  public sealed interface Event extends CborSerializable {}

  public record RetryPolicySet(String group, RetryPolicy policy) implements Event {}

  /** Written to the old journal once its policies are in Distributed Data, so they are imported once. */
  public record RetryPoliciesImported() implements Event {}

  /** The replicated policies (a durable key: {@code pekko.cluster.distributed-data.durable.keys}). */
  public static final Key<LWWMap<String, PolicyEntry>> KEY = LWWMapKey.create("sluice-retry-policies");

  /** Starts (or joins) the singleton and returns its proxy; calling it again returns the same proxy. */
  public static ActorRef<Command> init(ActorSystem<?> system) {
    RegistrySettings settings = RegistrySettings.fromConfig(system.settings().config());
    return ClusterSingleton.get(system).init(SingletonActor.of(create(settings), "consumer-group-registry"));
  }

  public static Behavior<Command> create(RegistrySettings settings) {
    return ReplicatedRegistry.create(KEY, "Consumer group registry", settings, Internal.class, Internal::new,
        Internal::signal, ConsumerGroupRegistry::new);
  }

  private final ReplicatedRegistry<Command, Internal, PolicyEntry> registry;

  private ConsumerGroupRegistry(ReplicatedRegistry<Command, Internal, PolicyEntry> registry) {
    this.registry = registry;
  }

  @Override
  public Behavior<Command> ready() {
    return registry.receive()
        .onMessage(GetRetryPolicies.class, cmd -> {
          cmd.replyTo().tell(policies());
          return Behaviors.same();
        })
        .onMessage(SetRetryPolicy.class, cmd -> write(
            Map.of(cmd.group(), new PolicyEntry(cmd.policy(), registry.nextVersion())), cmd.replyTo()))
        .onMessage(ImportRetryPolicies.class, this::onImport)
        .build();
  }

  private RetryPolicies policies() {
    return RetryPolicies.of(registry.entries());
  }

  private Behavior<Command> onImport(ImportRetryPolicies cmd) {
    long version = registry.nextVersion();
    Map<String, PolicyEntry> changes = new HashMap<>();
    cmd.legacy().byGroup().forEach((group, policy) -> {
      if (!registry.entries().containsKey(group)) {
        changes.put(group, new PolicyEntry(policy, version));
      }
    });
    if (changes.isEmpty()) {
      cmd.replyTo().tell(StatusReply.success(policies()));
      return Behaviors.same();
    }
    return write(changes, cmd.replyTo());
  }

  private Behavior<Command> write(Map<String, PolicyEntry> changes, ActorRef<StatusReply<RetryPolicies>> replyTo) {
    return registry.write(changes, confirmed -> replyTo.tell(confirmed ? StatusReply.success(policies())
        : StatusReply.error("the consumer group registry could not store the change on a majority of nodes within "
            + registry.settings().writeTimeout() + "; the outcome is unknown (it may still take effect): "
            + "read the policy before retrying")));
  }
}
