package io.sluice.actors.placement;

import io.sluice.actors.controller.GroupMasters;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Whether a broker group can serve now: the member serving it ({@link GroupServers}: a replicated
 * group's ACTIVE master, else the member carrying its role) is up and reachable from this node. A
 * queue of a group that cannot is unavailable (QUEUE_UNAVAILABLE), never served from another
 * node's data. A queue without a group (single node, before placement) is always available.
 */
public final class GroupAvailability {
  private final GroupServers servers;

  public GroupAvailability(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    this.servers = new GroupServers(cluster::state, GroupMasters.get(system));
  }

  public boolean isAvailable(String brokerGroup) {
    return whyUnavailable(brokerGroup).isEmpty();
  }

  /** Why {@code brokerGroup} cannot serve now, naming it (see {@link GroupServers#whyUnavailable}); empty when it can. */
  public Optional<String> whyUnavailable(String brokerGroup) {
    return brokerGroup.isEmpty() ? Optional.empty() : servers.whyUnavailable(brokerGroup);
  }
}
