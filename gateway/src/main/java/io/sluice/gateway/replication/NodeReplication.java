package io.sluice.gateway.replication;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreRole;
import io.sluice.persistence.store.StoreSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a node's replication: the {@link ReplicationSource} of its own group (unless its mode is
 * none) and a {@link ReplicaFetcher} for each followed group, on a store of its own in {@code
 * <data-dir>/replicas/<group>/store} (the journal's store settings, in the REPLICA role, closed
 * when the actor system terminates). No entity runs on a replica store in this step, so it is not a
 * journal plugin.
 */
public final class NodeReplication {
  private static final Logger log = LoggerFactory.getLogger(NodeReplication.class);

  private NodeReplication() {}

  /**
   * @param store the node's own group's store
   * @param ownGroup the node's broker group, also its replica id towards the groups it follows
   */
  public static void start(ActorSystem<?> system, MessageStore store, String ownGroup) {
    Config config = system.settings().config();
    ReplicationSettings settings = ReplicationSettings.fromConfig(config);
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

  /** {@code <data-dir>/replicas/<group>/store} with the journal's settings, in the REPLICA role. */
  static MessageStore openReplicaStore(ActorSystem<?> system, String group) {
    Config config = system.settings().config();
    Path dir = Path.of(config.getString("sluice.data-dir"), "replicas", group, "store");
    Config journal = config.getConfig(config.getString("pekko.persistence.journal.plugin"))
        .withValue("dir", ConfigValueFactory.fromAnyRef(dir.toString()))
        // A replica store acknowledges nothing to producers: the sync gate is the master's.
        .withValue("replication.mode", ConfigValueFactory.fromAnyRef("none"));
    MessageStore replica;
    try {
      replica = MessageStore.open(StoreSettings.fromConfig(journal));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the replica store of group '" + group + "' in " + dir, e);
    }
    replica.setRole(StoreRole.REPLICA);
    Adapter.toClassic(system).registerOnTermination(() -> {
      try {
        replica.close();
      } catch (IOException e) {
        log.error("Closing the replica store of group '{}' failed", group, e);
      }
    });
    return replica;
  }
}
