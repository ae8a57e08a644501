package io.sluice.actors.placement;

import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/**
 * Broker groups as cluster roles: a node that owns the data of broker group {@code g} carries the
 * role {@code broker-group:g}, so every node can tell from membership alone which node serves a
 * group and whether it is up.
 */
public final class BrokerGroups {
  public static final String ROLE_PREFIX = "broker-group:";

  private BrokerGroups() {}

  public static String roleOf(String brokerGroup) {
    return ROLE_PREFIX + brokerGroup;
  }

  /** The broker group a member serves, if it serves one. */
  public static Optional<String> groupOf(Member member) {
    for (String role : member.getRoles()) {
      if (role.startsWith(ROLE_PREFIX)) {
        return Optional.of(role.substring(ROLE_PREFIX.length()));
      }
    }
    return Optional.empty();
  }

  /** The broker groups of the members that are up, sorted by name. */
  public static Set<String> upGroups(Iterable<Member> members) {
    Set<String> groups = new TreeSet<>();
    for (Member member : members) {
      if (member.status() == MemberStatus.up()) {
        groupOf(member).ifPresent(groups::add);
      }
    }
    return groups;
  }
}
