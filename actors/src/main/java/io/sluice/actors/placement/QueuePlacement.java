package io.sluice.actors.placement;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which broker group owns each new queue of a topic: every new queue goes to the group that holds
 * the fewest queues over all topics at that moment (ties by name), so queues spread evenly over the
 * groups that are up. Queues that exist keep their group: moving one would leave its data behind.
 */
public final class QueuePlacement {
  private QueuePlacement() {}

  /**
   * @param placed the groups of the topic's existing queues, by queue id
   * @param existingQueues how many queues the topic had (0 for a new topic)
   * @param queueCount how many it has now
   * @param groups the candidate groups (those of members that are up)
   * @param allPlaced the queue groups of every topic (the load to even out)
   * @return {@code placed} followed by a group for each new queue; {@code placed} unchanged when no
   *     group is known, or when the existing queues were never placed (a topic from before
   *     placement keeps all its queues unplaced, on the node that has their data)
   */
  public static List<String> place(List<String> placed, int existingQueues, int queueCount, Set<String> groups,
      Collection<List<String>> allPlaced) {
    if (groups.isEmpty() || placed.size() < existingQueues) {
      return placed;
    }
    Map<String, Integer> load = new HashMap<>();
    groups.forEach(g -> load.put(g, 0));
    for (List<String> topicGroups : allPlaced) {
      topicGroups.forEach(g -> load.computeIfPresent(g, (k, n) -> n + 1));
    }
    List<String> result = new ArrayList<>(placed);
    for (int queueId = placed.size(); queueId < queueCount; queueId++) {
      String least = null;
      for (String g : groups) {
        if (least == null || load.get(g) < load.get(least) || (load.get(g).equals(load.get(least)) && g.compareTo(least) < 0)) {
          least = g;
        }
      }
      result.add(least);
      load.merge(least, 1, Integer::sum);
    }
    return List.copyOf(result);
  }
}
