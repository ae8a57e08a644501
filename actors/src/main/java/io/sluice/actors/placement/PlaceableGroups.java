package io.sluice.actors.placement;

import io.sluice.actors.controller.GroupMasters;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.cluster.ClusterEvent;

/**
 * The broker groups that can take new queues now ({@link QueuePlacement}'s candidates): those an up
 * member serves ({@link GroupServers}). A replicated group counts while the replica controller has
 * an ACTIVE master for it on an up member, whichever node that is (its first node may be down,
 * its promoted replica serving it); while it is PROMOTING, OFFLINE or undecided it takes none. Any
 * other group counts while the member carrying its role is up.
 *
 * <p>When no group can (a cluster's first seconds: every group replicated and none decided yet),
 * the groups of the up members' roles are the candidates, as before the controller existed: a queue
 * placed in a group that is served shortly beats a queue left unplaced, which stays so.
 */
public final class PlaceableGroups {
  private PlaceableGroups() {}

  /** The candidate groups, sorted by name. */
  public static Set<String> of(ClusterEvent.CurrentClusterState state, GroupMasters masters) {
    Set<String> roleGroups = BrokerGroups.upGroups(state.getMembers());
    GroupServers servers = new GroupServers(() -> state, masters);
    Set<String> known = new TreeSet<>(roleGroups);
    known.addAll(masters.replicatedGroups().keySet());
    Set<String> serving = new TreeSet<>();
    for (String group : known) {
      servers.upMemberOf(group).ifPresent(member -> serving.add(group));
    }
    return serving.isEmpty() ? roleGroups : serving;
  }
}
