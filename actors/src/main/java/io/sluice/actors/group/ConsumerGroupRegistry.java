package io.sluice.actors.group;

import io.sluice.actors.CborSerializable;
import io.sluice.actors.consume.RetryPolicy;
import io.sluice.actors.registry.RegistryMaps;
import io.sluice.actors.registry.RegistrySettings;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.pattern.StatusReply;

/**
 * The per-consumer-group settings of the cluster, today each group's {@link RetryPolicy}: kept in
 * Distributed Data ({@link #KEY}, a durable {@link LWWMap} of {@link PolicyEntry} by group, see
 * {@link RegistryMaps}) behind this cluster singleton, its only writer, exactly as the
 * {@link io.sluice.actors.topic.TopicRegistry} keeps topics: a majority read when it starts, one
 * majority write per change, and every node's {@link RetryPolicyCatalog} follows the key locally.
 * A change a majority did not confirm in time is answered with an error saying the outcome is unknown.
 */
public final class ConsumerGroupRegistry {

  public sealed interface Command extends CborSerializable {}

  public record SetRetryPolicy(String group, RetryPolicy policy, ActorRef<StatusReply<RetryPolicies>> replyTo)
      implements Command {}

  public record GetRetryPolicies(ActorRef<RetryPolicies> replyTo) implements Command {}

  /** Adds the policies of a node's journal-based registry (before Distributed Data) for groups this one does not know. */
  public record ImportRetryPolicies(RetryPolicies legacy, ActorRef<StatusReply<RetryPolicies>> replyTo)
      implements Command {}

  private record Loaded(Replicator.GetResponse<LWWMap<String, PolicyEntry>> response) implements Command {}

  private record Written(Replicator.UpdateResponse<LWWMap<String, PolicyEntry>> response,
      ActorRef<StatusReply<RetryPolicies>> replyTo) implements Command {}

  private record Merged(Replicator.SubscribeResponse<LWWMap<String, PolicyEntry>> response) implements Command {}

  private enum Reload implements Command {
    INSTANCE
  }

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
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> Behaviors.withStash(settings.stashCapacity(),
        stash -> DistributedData.<Command, LWWMap<String, PolicyEntry>>withReplicatorMessageAdapter(
            replicator -> new ConsumerGroupRegistry(ctx, timers, stash, replicator, settings).loading()))));
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final ReplicatorMessageAdapter<Command, LWWMap<String, PolicyEntry>> replicator;
  private final RegistrySettings settings;
  private final SelfUniqueAddress self;
  private Map<String, PolicyEntry> entries = Map.of();

  private ConsumerGroupRegistry(ActorContext<Command> ctx, TimerScheduler<Command> timers, StashBuffer<Command> stash,
      ReplicatorMessageAdapter<Command, LWWMap<String, PolicyEntry>> replicator, RegistrySettings settings) {
    this.ctx = ctx;
    this.timers = timers;
    this.stash = stash;
    this.replicator = replicator;
    this.settings = settings;
    this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
    replicator.subscribe(KEY, Merged::new);
  }

  private Behavior<Command> loading() {
    replicator.askGet(
        replyTo -> new Replicator.Get<>(KEY, new Replicator.ReadMajority(settings.readTimeout()), replyTo), Loaded::new);
    return Behaviors.receive(Command.class)
        .onMessage(Loaded.class, this::onLoaded)
        .onMessage(Reload.class, reload -> loading())
        .onMessage(Merged.class, this::onMerged)
        .onAnyMessage(this::stashIt)
        .build();
  }

  private Behavior<Command> onLoaded(Loaded loaded) {
    if (loaded.response() instanceof Replicator.GetSuccess<LWWMap<String, PolicyEntry>> success) {
      entries = RegistryMaps.merge(entries, success.get(KEY).getEntries());
    } else if (!(loaded.response() instanceof Replicator.NotFound)) {
      ctx.getLog().warn("Consumer group registry: no majority answered within {} ({}); reading again in {}",
          settings.readTimeout(), loaded.response(), settings.retryInterval());
      timers.startSingleTimer(Reload.INSTANCE, settings.retryInterval());
      return Behaviors.same();
    }
    return stash.unstashAll(ready());
  }

  private Behavior<Command> ready() {
    return Behaviors.receive(Command.class)
        .onMessage(GetRetryPolicies.class, cmd -> {
          cmd.replyTo().tell(RetryPolicies.of(entries));
          return Behaviors.same();
        })
        .onMessage(SetRetryPolicy.class, cmd -> write(
            Map.of(cmd.group(), new PolicyEntry(cmd.policy(), RegistryMaps.nextVersion(entries))), cmd.replyTo()))
        .onMessage(ImportRetryPolicies.class, this::onImport)
        .onMessage(Merged.class, this::onMerged)
        .build();
  }

  private Behavior<Command> writing() {
    return Behaviors.receive(Command.class)
        .onMessage(Written.class, this::onWritten)
        .onMessage(Merged.class, this::onMerged)
        .onAnyMessage(this::stashIt)
        .build();
  }

  private Behavior<Command> stashIt(Command cmd) {
    if (stash.isFull()) {
      ctx.getLog().warn("Consumer group registry: {} commands wait already; dropped {}", settings.stashCapacity(), cmd);
    } else {
      stash.stash(cmd);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onMerged(Merged merged) {
    if (merged.response() instanceof Replicator.Changed<LWWMap<String, PolicyEntry>> changed) {
      entries = RegistryMaps.merge(entries, changed.get(KEY).getEntries());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onImport(ImportRetryPolicies cmd) {
    long version = RegistryMaps.nextVersion(entries);
    Map<String, PolicyEntry> changes = new HashMap<>();
    cmd.legacy().byGroup().forEach((group, policy) -> {
      if (!entries.containsKey(group)) {
        changes.put(group, new PolicyEntry(policy, version));
      }
    });
    if (changes.isEmpty()) {
      cmd.replyTo().tell(StatusReply.success(RetryPolicies.of(entries)));
      return Behaviors.same();
    }
    return write(changes, cmd.replyTo());
  }

  private Behavior<Command> write(Map<String, PolicyEntry> changes, ActorRef<StatusReply<RetryPolicies>> replyTo) {
    replicator.askUpdate(
        r -> new Replicator.Update<>(KEY, LWWMap.empty(), new Replicator.WriteMajority(settings.writeTimeout()), r,
            map -> RegistryMaps.putAll(map, self, changes)),
        response -> new Written(response, replyTo));
    // the local replica holds the change from now on, whatever a majority answers
    entries = RegistryMaps.merge(entries, changes);
    return writing();
  }

  private Behavior<Command> onWritten(Written written) {
    if (written.response() instanceof Replicator.UpdateSuccess) {
      written.replyTo().tell(StatusReply.success(RetryPolicies.of(entries)));
    } else {
      ctx.getLog().warn("Consumer group registry: a change was not confirmed by a majority: {}", written.response());
      written.replyTo().tell(StatusReply.error("the consumer group registry could not store the change on a majority "
          + "of nodes within " + settings.writeTimeout() + "; the outcome is unknown (it may still take effect): "
          + "read the policy before retrying"));
    }
    return stash.unstashAll(ready());
  }
}
