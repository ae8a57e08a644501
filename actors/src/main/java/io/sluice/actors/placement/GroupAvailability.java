package io.sluice.actors.placement;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Whether a broker group can serve now: some member carrying its role is up and reachable from
 * this node. A queue of a group that cannot is unavailable (QUEUE_UNAVAILABLE), never served from
 * another node's data. A queue without a group (single node, before placement) is always available.
 */
public final class GroupAvailability {
  private final Cluster cluster;

  public GroupAvailability(ActorSystem<?> system) {
    this.cluster = Cluster.get(system);
  }

  public boolean isAvailable(String brokerGroup) {
    if (brokerGroup.isEmpty()) {
      return true;
    }
    ClusterEvent.CurrentClusterState state = cluster.state();
    String role = BrokerGroups.roleOf(brokerGroup);
    for (Member member : state.getMembers()) {
      if (member.status() == MemberStatus.up() && member.hasRole(role) && !state.getUnreachable().contains(member)) {
        return true;
      }
    }
    return false;
  }
}
