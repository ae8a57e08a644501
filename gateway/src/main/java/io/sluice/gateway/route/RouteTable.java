package io.sluice.gateway.route;

import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.placement.BrokerGroups;
import io.sluice.actors.placement.GroupAvailability;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.protocol.v1.MessageQueue;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Answers {@code QueryRoute} from local state only: the topic from the catalog, live members from
 * this node's view of the cluster (up and reachable), their endpoints from the {@link
 * EndpointDirectory}, the groups each serves (its role's group unless that is replicated, and each
 * replicated group whose ACTIVE master it is, from {@link GroupMasters}), availability from {@link
 * GroupAvailability}. Thread-safe.
 */
public final class RouteTable {
  private final Cluster cluster;
  private final EndpointDirectory directory;
  private final GroupAvailability availability;
  private final GroupMasters masters;
  private final String selfEndpoint;

  public RouteTable(ActorSystem<?> system, EndpointDirectory directory, String selfEndpoint) {
    this.cluster = Cluster.get(system);
    this.directory = directory;
    this.availability = new GroupAvailability(system);
    this.masters = GroupMasters.get(system);
    this.selfEndpoint = selfEndpoint;
  }

  public List<MessageQueue> routesOf(TopicConfig topic) {
    return QueueRoutes.of(topic, liveNodes(), selfEndpoint, availability::isAvailable);
  }

  /** The members that are up and reachable and have published an endpoint. */
  public List<QueueRoutes.NodeEndpoint> liveNodes() {
    ClusterEvent.CurrentClusterState state = cluster.state();
    Map<String, String> endpoints = directory.endpointsByAddress();
    List<QueueRoutes.NodeEndpoint> nodes = new ArrayList<>();
    for (Member member : state.getMembers()) {
      String endpoint = endpoints.get(member.address().toString());
      if (endpoint != null && member.status() == MemberStatus.up() && !state.getUnreachable().contains(member)) {
        nodes.add(new QueueRoutes.NodeEndpoint(servedBy(member), endpoint));
      }
    }
    return nodes;
  }

  private Set<String> servedBy(Member member) {
    Set<String> served = new HashSet<>();
    BrokerGroups.groupOf(member).filter(own -> !masters.isReplicated(own)).ifPresent(served::add);
    for (String group : masters.replicatedGroups().keySet()) {
      if (masters.activeMasterOf(group).equals(Optional.of(member.address()))) {
        served.add(group);
      }
    }
    return served;
  }
}
