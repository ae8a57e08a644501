package io.sluice.gateway.replication;

import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.ReplicaController;
import io.sluice.actors.placement.GroupPlugins;
import io.sluice.gateway.cluster.GroupPluginConfig;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreRole;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Starts a node's replication when {@code sluice.controller.groups} names replicated groups: the
 * replica controller (every node runs its singleton manager and Distributed Data replicator, which
 * count toward its majorities) and one {@link GroupReplica} per replicated group the node carries,
 * on the store of the group's journal plugin (the node's own store for its own group, else {@code
 * <data-dir>/replicas/<group>/store}, opened and closed by {@link SluiceStores}), in the REPLICA
 * role until the controller promotes it: the fetcher and, once promoted, the group's entities share it.
 */
public final class NodeReplication {
  private NodeReplication() {}

  /**
   * Call before any entity can write (the stores must be replicas first).
   *
   * @param store the node's own group's store
   * @param ownGroup the node's broker group, also its replica id in the groups it carries
   */
  public static void start(ActorSystem<?> system, MessageStore store, String ownGroup) {
    Map<String, List<String>> replicated = GroupMasters.replicasOf(system.settings().config());
    if (replicated.isEmpty()) {
      return;
    }
    ActorRef<ReplicaController.Command> controller = ReplicaController.init(system);
    // this node's view of the decisions, followed from the start
    GroupMasters.get(system);
    ReplicationSettings settings = ReplicationSettings.fromConfig(system.settings().config());
    List<ActorRef<GroupReplica.Command>> groups = new ArrayList<>();
    for (String group : ReplicationConfig.carriedGroups(system.settings().config(), ownGroup)) {
      MessageStore replica = group.equals(ownGroup) ? store : openReplicaStore(system, group);
      // before the actor starts: the node's entities may start writing right after this returns
      replica.setRole(StoreRole.REPLICA);
      ActorRef<GroupReplica.Command> carried = system.systemActorOf(
          GroupReplica.create(group, ownGroup, replicated.get(group), replica, settings, controller),
          "replica-" + group, Props.empty());
      ReplicationStatus.get(system).register(group, carried);
      groups.add(carried);
    }
    switchAwayWhenLeaving(system, groups);
  }

  /**
   * A node that leaves (CoordinatedShutdown) first switches the groups it masters to other in-sync
   * replicas, so the failover is a planned one and this node takes no write past it.
   */
  private static void switchAwayWhenLeaving(ActorSystem<?> system, List<ActorRef<GroupReplica.Command>> groups) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    Duration timeout = Duration.ofMillis(shutdown.timeout(CoordinatedShutdown.PhaseBeforeServiceUnbind()).toMillis());
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "sluice-switch-mastered-groups-away", () -> {
      CompletableFuture<?>[] switches = groups.stream()
          .map(group -> AskPattern.<GroupReplica.Command, ReplicaController.Decision>ask(group, GroupReplica.SwitchAway::new, timeout,
              system.scheduler()).toCompletableFuture())
          .toArray(CompletableFuture[]::new);
      return CompletableFuture.allOf(switches).handle((ok, failure) -> Done.getInstance());
    });
  }

  /**
   * The store of {@code group}'s journal plugin ({@code <data-dir>/replicas/<group>/store}, see
   * {@link GroupPluginConfig}), the one instance its entities would use.
   */
  static MessageStore openReplicaStore(ActorSystem<?> system, String group) {
    return SluiceStores.get(Adapter.toClassic(system)).storeFor(GroupPlugins.journalOf(group));
  }
}
