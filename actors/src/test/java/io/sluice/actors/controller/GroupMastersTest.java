package io.sluice.actors.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.AddressFromURIString;
import org.junit.jupiter.api.Test;

class GroupMastersTest {
  private static final String N2 = "pekko://sluice@127.0.0.1:2552";

  @Test
  void readsTheReplicatedGroupsInPreferenceOrder() {
    Map<String, List<String>> groups = GroupMasters.replicasOf(ConfigFactory.parseString(
        "sluice.controller.groups { g1 = [g1, g2], g2 = [g2, g3] }"));
    assertEquals(Map.of("g1", List.of("g1", "g2"), "g2", List.of("g2", "g3")), groups);
    assertTrue(new GroupMasters(groups).isReplicated("g1"));
    assertFalse(new GroupMasters(groups).isReplicated("g3"));
  }

  @Test
  void keepsTheNewestDecisionAndNamesOnlyAnActiveMaster() {
    GroupMasters masters = new GroupMasters(Map.of("g1", List.of("g1", "g2")));
    List<GroupState> told = new ArrayList<>();
    masters.addListener(told::add);
    GroupState promoting = state("g2", 2, GroupState.Status.PROMOTING, 1, 5);
    GroupState active = state("g2", 2, GroupState.Status.ACTIVE, 1, 6);
    masters.offer(promoting);
    assertEquals(Optional.empty(), masters.activeMasterOf("g1"));
    masters.offer(active);
    masters.offer(promoting);
    assertEquals(Optional.of(AddressFromURIString.parse(N2)), masters.activeMasterOf("g1"));
    assertEquals(List.of(promoting, active), told);
  }

  private static GroupState state(String master, long epoch, GroupState.Status status, long term, long version) {
    return new GroupState("g1", master, N2, epoch, Set.of(master), status, term, version);
  }
}
