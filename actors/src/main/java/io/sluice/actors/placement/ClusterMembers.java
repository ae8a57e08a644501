package io.sluice.actors.placement;

import java.util.Optional;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;

/**
 * Broker groups as this node sees them in cluster membership and the replica controller's
 * decisions ({@link GroupServers}): a replicated group runs on its ACTIVE master only, any other
 * group on the member carrying its role.
 */
public final class ClusterMembers implements GroupShardAllocation.Members {
  private final Cluster cluster;
  private final GroupServers servers;

  public ClusterMembers(Cluster cluster, GroupServers servers) {
    this.cluster = cluster;
    this.servers = servers;
  }

  @Override
  public Optional<Address> upMemberOf(String brokerGroup) {
    return servers.upMemberOf(brokerGroup).map(Member::address);
  }

  @Override
  public boolean followsController(String brokerGroup) {
    return servers.isReplicated(brokerGroup);
  }

  @Override
  public Address addressOf(ActorRef region) {
    Address address = region.path().address();
    // a region on this node has a local path, without host and port
    return address.hasGlobalScope() ? address : cluster.selfAddress();
  }
}
