package io.sluice.actors.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueuePlacementTest {
  private static final Set<String> GROUPS = Set.of("g1", "g2", "g3");

  @Test
  void newQueuesGoToTheLeastLoadedGroupTiesByName() {
    // g1 holds 3 queues of another topic, g2 one, g3 none
    List<List<String>> load = List.of(List.of("g1", "g1", "g1", "g2"));
    assertEquals(List.of("g3", "g2", "g3", "g2", "g3", "g1"),
        QueuePlacement.place(List.of(), 0, 6, new java.util.TreeSet<>(GROUPS), load));
  }

  @Test
  void growthKeepsTheExistingQueuesGroups() {
    List<String> placed = List.of("g1", "g1");
    assertEquals(List.of("g1", "g1", "g2", "g3"),
        QueuePlacement.place(placed, 2, 4, new java.util.TreeSet<>(GROUPS), List.of(placed)));
  }

  @Test
  void nothingIsPlacedWithoutGroupsOrForATopicWhoseQueuesWereNeverPlaced() {
    assertEquals(List.of(), QueuePlacement.place(List.of(), 0, 4, Set.of(), List.of()));
    assertEquals(List.of(), QueuePlacement.place(List.of(), 2, 4, new java.util.TreeSet<>(GROUPS), List.of()));
  }
}
