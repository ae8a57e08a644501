package io.sluice.gateway.cluster;

import io.sluice.actors.placement.GroupPlugins;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * The store of each broker group this node carries, the one its group's journal plugin writes
 * ({@code sluice.groups.<g>.journal}, {@link GroupPluginConfig}): the node's own group's, or a
 * replica's, which is the group's store on this node once it is promoted. Queues without a group
 * ("") are in the own group's store. Ask only for a group the node carries.
 *
 * <p>Thread-safety: any thread.
 */
public final class GroupStores {
  private final SluiceStores stores;
  private final String ownGroup;
  private final Map<String, MessageStore> byGroup = new ConcurrentHashMap<>();

  public GroupStores(ActorSystem<?> system, String ownGroup) {
    this.stores = SluiceStores.get(Adapter.toClassic(system));
    this.ownGroup = ownGroup;
  }

  public MessageStore of(String group) {
    return byGroup.computeIfAbsent(group.isEmpty() ? ownGroup : group,
        carried -> stores.storeFor(GroupPlugins.journalOf(carried)));
  }
}
