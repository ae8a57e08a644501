package io.sluice.actors.controller;

import com.typesafe.config.Config;
import io.sluice.actors.LocalOnly;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;

/**
 * This node's view of the {@link ReplicaController}'s decisions: the latest {@link GroupState} of
 * each replicated broker group that reached the node's Distributed Data replicator, and the groups
 * configured as replicated ({@code sluice.controller.groups}). Anything that must know where a
 * replicated group is served (shard allocation, availability, routes, the node's own replicas)
 * asks here. A view, not a decision: it may lag the controller, and the data path is fenced by
 * epochs regardless. Thread-safe; listeners run on the view's actor, one change at a time.
 */
public final class GroupMasters implements Extension {
  public static final ExtensionId<GroupMasters> ID = new ExtensionId<>() {
    @Override
    public GroupMasters createExtension(ActorSystem<?> system) {
      GroupMasters masters = new GroupMasters(replicasOf(system.settings().config()));
      system.systemActorOf(masters.follower(), "group-masters", Props.empty());
      return masters;
    }
  };

  private final Map<String, List<String>> replicas;
  private final Map<String, GroupState> states = new ConcurrentHashMap<>();
  private final List<Consumer<GroupState>> listeners = new CopyOnWriteArrayList<>();

  GroupMasters(Map<String, List<String>> replicas) {
    this.replicas = Map.copyOf(replicas);
  }

  public static GroupMasters get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** {@code sluice.controller.groups}: each replicated group's replica ids, in preference order. */
  public static Map<String, List<String>> replicasOf(Config config) {
    Config groups = config.getConfig("sluice.controller.groups");
    Map<String, List<String>> byGroup = new LinkedHashMap<>();
    for (String group : groups.root().keySet()) {
      byGroup.put(group, List.copyOf(groups.getStringList(group)));
    }
    return byGroup;
  }

  /** The configured replicated groups and their replica ids, in preference order. */
  public Map<String, List<String>> replicatedGroups() {
    return replicas;
  }

  /** Whether {@code group} has a controller-elected master (it is configured with replicas). */
  public boolean isReplicated(String group) {
    return replicas.containsKey(group);
  }

  /** The latest decision for {@code group} this node has seen, if any. */
  public Optional<GroupState> stateOf(String group) {
    return Optional.ofNullable(states.get(group));
  }

  /** The node address of {@code group}'s master while it is {@link GroupState.Status#ACTIVE}. */
  public Optional<Address> activeMasterOf(String group) {
    return stateOf(group)
        .filter(state -> state.status() == GroupState.Status.ACTIVE && !state.masterAddress().isEmpty())
        .map(state -> AddressFromURIString.parse(state.masterAddress()));
  }

  /** Calls {@code listener} with every newer decision of a group from now on. */
  public void addListener(Consumer<GroupState> listener) {
    listeners.add(listener);
  }

  void offer(GroupState state) {
    GroupState known = states.get(state.group());
    if (known == null || state.isNewerThan(known)) {
      states.put(state.group(), state);
      listeners.forEach(listener -> listener.accept(state));
    }
  }

  private record Changed(Replicator.SubscribeResponse<LWWMap<String, GroupState>> response) implements LocalOnly {}

  private Behavior<Changed> follower() {
    return Behaviors.setup(ctx -> DistributedData.<Changed, LWWMap<String, GroupState>>withReplicatorMessageAdapter(
        replicator -> {
          replicator.subscribe(ReplicaController.STATE_KEY, Changed::new);
          return Behaviors.receiveMessage(changed -> {
            if (changed.response() instanceof Replicator.Changed<LWWMap<String, GroupState>> c) {
              c.get(ReplicaController.STATE_KEY).getEntries().values().forEach(this::offer);
            }
            return Behaviors.same();
          });
        }));
  }
}
