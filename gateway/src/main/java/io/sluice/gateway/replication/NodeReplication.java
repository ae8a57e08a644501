package io.sluice.gateway.replication;

import io.sluice.actors.placement.GroupPlugins;
import io.sluice.gateway.cluster.GroupPluginConfig;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreRole;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Starts a node's replication: the {@link ReplicationSource} of its own group (unless its mode is
 * none) and a {@link ReplicaFetcher} for each followed group, on the store of the group's journal
 * plugin ({@code <data-dir>/replicas/<group>/store}, opened and closed by {@link SluiceStores}), in
 * the REPLICA role: the fetcher and, once the store is promoted, the group's entities share it.
 */
public final class NodeReplication {
  private NodeReplication() {}

  /**
   * @param store the node's own group's store
   * @param ownGroup the node's broker group, also its replica id towards the groups it follows
   */
  public static void start(ActorSystem<?> system, MessageStore store, String ownGroup) {
    ReplicationSettings settings = ReplicationSettings.fromConfig(system.settings().config());
    // Reads and writes files: the blocking-I/O dispatcher.
    DispatcherSelector io = DispatcherSelector.blocking();
    if (settings.mode() != ReplicationSettings.Mode.NONE) {
      system.systemActorOf(ReplicationSource.create(ownGroup, store, settings), "replication-source",
          io);
    }
    for (String group : settings.follow()) {
      MessageStore replica = openReplicaStore(system, group);
      system.systemActorOf(ReplicaFetcher.create(group, ownGroup, replica, settings), "replica-" + group, io);
    }
  }

  /**
   * The store of {@code group}'s journal plugin ({@code <data-dir>/replicas/<group>/store}, see
   * {@link GroupPluginConfig}), the one instance its entities would use, in the REPLICA role until
   * it is promoted.
   */
  static MessageStore openReplicaStore(ActorSystem<?> system, String group) {
    MessageStore replica = SluiceStores.get(Adapter.toClassic(system)).storeFor(GroupPlugins.journalOf(group));
    replica.setRole(StoreRole.REPLICA);
    return replica;
  }
}
