package io.sluice.actors.placement;

import java.util.Optional;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/**
 * Broker groups as this node sees them in cluster membership. When two up members carry the same
 * group (a misconfiguration: two data directories claiming one group), the oldest serves it, so
 * every node picks the same one.
 */
public final class ClusterMembers implements GroupShardAllocation.Members {
  private final Cluster cluster;

  public ClusterMembers(Cluster cluster) {
    this.cluster = cluster;
  }

  @Override
  public Optional<Address> upMemberOf(String brokerGroup) {
    String role = BrokerGroups.roleOf(brokerGroup);
    Member serving = null;
    for (Member member : cluster.state().getMembers()) {
      if (member.status() == MemberStatus.up() && member.hasRole(role)
          && (serving == null || member.isOlderThan(serving))) {
        serving = member;
      }
    }
    return Optional.ofNullable(serving).map(Member::address);
  }

  @Override
  public Address addressOf(ActorRef region) {
    Address address = region.path().address();
    // a region on this node has a local path, without host and port
    return address.hasGlobalScope() ? address : cluster.selfAddress();
  }
}
