package io.sluice.actors.placement;

import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.GroupState;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/**
 * Which member serves a broker group, as this node sees membership and the replica controller's
 * decisions. A replicated group ({@code sluice.controller.groups}) is served only by its ACTIVE
 * master ({@link GroupMasters#activeMasterOf}), whatever roles the members carry: while it is
 * PROMOTING, OFFLINE or has no decision yet no member serves it. Any other group is served by the
 * up member carrying its role; when two claim one group (a misconfiguration: two data directories
 * claiming one group), the oldest serves it, so every node picks the same one.
 *
 * <p>Thread-safety: any thread.
 */
public final class GroupServers {
  private final Supplier<ClusterEvent.CurrentClusterState> membership;
  private final GroupMasters masters;

  public GroupServers(Supplier<ClusterEvent.CurrentClusterState> membership, GroupMasters masters) {
    this.membership = membership;
    this.masters = masters;
  }

  public boolean isReplicated(String brokerGroup) {
    return masters.isReplicated(brokerGroup);
  }

  /** The up member serving {@code brokerGroup}, if one is up. */
  public Optional<Member> upMemberOf(String brokerGroup) {
    return upMemberOf(brokerGroup, membership.get());
  }

  /**
   * Why {@code brokerGroup} cannot serve now (no up and reachable member serves it), naming the group;
   * empty when it can.
   */
  public Optional<String> whyUnavailable(String brokerGroup) {
    ClusterEvent.CurrentClusterState state = membership.get();
    Optional<Member> serving = upMemberOf(brokerGroup, state);
    if (serving.isPresent() && !state.getUnreachable().contains(serving.get())) {
      return Optional.empty();
    }
    if (!masters.isReplicated(brokerGroup)) {
      return Optional.of("no node of its broker group '" + brokerGroup + "' is up and reachable");
    }
    Optional<GroupState> decided = masters.stateOf(brokerGroup);
    if (decided.isEmpty()) {
      return Optional.of("broker group '" + brokerGroup + "' has no master yet (no decision of the replica controller)");
    }
    GroupState s = decided.get();
    switch (s.status()) {
      case PROMOTING:
        return Optional.of("broker group '" + brokerGroup + "' is PROMOTING: replica " + s.master()
            + " is taking over as master in epoch " + s.epoch());
      case OFFLINE:
        return Optional.of("broker group '" + brokerGroup + "' is OFFLINE: no in-sync replica can be master"
            + " until one returns or an operator forces one");
      default:
        return Optional.of("the master of broker group '" + brokerGroup + "' (replica " + s.master() + " at "
            + s.masterAddress() + ") is not up and reachable");
    }
  }

  private Optional<Member> upMemberOf(String brokerGroup, ClusterEvent.CurrentClusterState state) {
    if (masters.isReplicated(brokerGroup)) {
      Optional<Address> master = masters.activeMasterOf(brokerGroup);
      if (master.isEmpty()) {
        return Optional.empty();
      }
      for (Member member : state.getMembers()) {
        if (member.status() == MemberStatus.up() && member.address().equals(master.get())) {
          return Optional.of(member);
        }
      }
      return Optional.empty();
    }
    String role = BrokerGroups.roleOf(brokerGroup);
    Member serving = null;
    for (Member member : state.getMembers()) {
      if (member.status() == MemberStatus.up() && member.hasRole(role)
          && (serving == null || member.isOlderThan(serving))) {
        serving = member;
      }
    }
    return Optional.ofNullable(serving);
  }
}
