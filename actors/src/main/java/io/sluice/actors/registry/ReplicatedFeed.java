package io.sluice.actors.registry;

import java.util.Map;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;

/**
 * Keeps a node-local copy of a registry current: subscribes to the registry's key in this node's
 * replicator and hands every changed map to {@code offer} (the current one at once, if the replica
 * has one). No network hop: the replicator is local, and Distributed Data brings other nodes'
 * changes (see {@link RegistryMaps}).
 */
public final class ReplicatedFeed {
  private ReplicatedFeed() {}

  private record Update<V>(Replicator.SubscribeResponse<LWWMap<String, V>> response) {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static <V> Behavior<Object> create(Key<LWWMap<String, V>> key, Consumer<Map<String, V>> offer) {
    return DistributedData.<Object, LWWMap<String, V>>withReplicatorMessageAdapter(replicator -> {
      replicator.subscribe(key, Update::new);
      return Behaviors.receive(Object.class)
          .onMessage(Update.class, update -> {
            if (update.response() instanceof Replicator.Changed changed) {
              offer.accept(((LWWMap<String, V>) changed.dataValue()).getEntries());
            }
            return Behaviors.same();
          })
          .build();
    });
  }
}
