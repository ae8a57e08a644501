package io.sluice.it;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Checks a {@link History} after the fact, in the categories of Jepsen's total-queue and OpenChaos'
 * MQChecker (../shared/CLUSTER.md section 6). A fresh group is expected to have drained every
 * queue from the earliest offset; it is the one "lost" and "dense offsets" are judged by.
 *
 * <ul>
 *   <li>lost: acknowledged sends never delivered to the draining group (must be 0);
 *   <li>recovered: failed or unknown sends that were delivered (allowed, counted);
 *   <li>unexpected: deliveries of ids never sent (must be 0);
 *   <li>duplicated: per consumer group, ids delivered more than once (allowed, counted);
 *   <li>offset conflicts: a (topic, queue, offset) holding two different ids across receipts and
 *       deliveries (must be none: an offset was reused);
 *   <li>offset gaps: offsets missing in the drained log between 0 and the highest one delivered per
 *       queue (must be none);
 *   <li>FIFO violations: per consumer group and message group, a message first delivered after one
 *       acknowledged later than it (must be none).
 * </ul>
 */
public final class HistoryChecker {
  private HistoryChecker() {}

  /** What {@link #check} found; {@link #problems()} lists what must not happen. */
  public record Report(int sends, int acked, int failed, int unknown, int delivered,
      Set<String> lost, Set<String> recovered, Set<String> unexpected, Map<String, Integer> duplicated,
      List<String> offsetConflicts, List<String> offsetGaps, List<String> fifoViolations) {

    /** The violations of the rules (empty when the history is valid); duplicates and recoveries are allowed. */
    public List<String> problems() {
      List<String> out = new ArrayList<>();
      if (!lost.isEmpty()) {
        out.add(lost.size() + " lost (acknowledged, never delivered to the draining group): " + sample(lost));
      }
      if (!unexpected.isEmpty()) {
        out.add(unexpected.size() + " unexpected (delivered, never sent): " + sample(unexpected));
      }
      if (!offsetConflicts.isEmpty()) {
        out.add(offsetConflicts.size() + " offsets with two ids: " + sample(offsetConflicts));
      }
      if (!offsetGaps.isEmpty()) {
        out.add(offsetGaps.size() + " queues with gaps in the drained offsets: " + sample(offsetGaps));
      }
      if (!fifoViolations.isEmpty()) {
        out.add(fifoViolations.size() + " FIFO order violations: " + sample(fifoViolations));
      }
      return out;
    }

    /** One line of counts, for the test output. */
    public String summary() {
      return sends + " sent, " + acked + " acked, " + failed + " failed, " + unknown + " unknown; " + delivered
          + " deliveries; lost " + lost.size() + ", recovered " + recovered.size() + ", unexpected "
          + unexpected.size() + ", duplicated " + duplicated + ", offset conflicts " + offsetConflicts.size()
          + ", offset gaps " + offsetGaps.size() + ", FIFO violations " + fifoViolations.size();
    }

    /** Fails with every problem and the summary unless the history is valid. */
    public void assertValid() {
      List<String> problems = problems();
      if (!problems.isEmpty()) {
        throw new AssertionError(String.join("\n", problems) + "\n" + summary());
      }
    }
  }

  /**
   * Checks a history.
   *
   * @param history what producers and consumers recorded
   * @param drainingGroup the fresh consumer group that read every queue from the earliest offset
   */
  public static Report check(History history, String drainingGroup) {
    List<History.Send> sends = history.sends();
    List<History.Delivery> deliveries = history.deliveries();
    Map<String, History.Send> byId = new HashMap<>();
    int acked = 0;
    int failed = 0;
    int unknown = 0;
    for (History.Send s : sends) {
      byId.put(s.id(), s);
      switch (s.outcome()) {
        case OK -> acked++;
        case FAIL -> failed++;
        default -> unknown++;
      }
    }

    Set<String> drained = new HashSet<>();
    Set<String> deliveredAnywhere = new HashSet<>();
    Set<String> unexpected = new TreeSet<>();
    Map<String, Map<String, Integer>> countsPerGroup = new TreeMap<>();
    for (History.Delivery d : deliveries) {
      deliveredAnywhere.add(d.id());
      if (d.consumerGroup().equals(drainingGroup)) {
        drained.add(d.id());
      }
      if (!byId.containsKey(d.id())) {
        unexpected.add(d.id());
      }
      countsPerGroup.computeIfAbsent(d.consumerGroup(), g -> new HashMap<>()).merge(d.id(), 1, Integer::sum);
    }

    Set<String> lost = new TreeSet<>();
    Set<String> recovered = new TreeSet<>();
    for (History.Send s : sends) {
      if (s.outcome() == History.Outcome.OK && !drained.contains(s.id())) {
        lost.add(s.id());
      } else if (s.outcome() != History.Outcome.OK && deliveredAnywhere.contains(s.id())) {
        recovered.add(s.id());
      }
    }
    Map<String, Integer> duplicated = new TreeMap<>();
    countsPerGroup.forEach((group, counts) -> {
      long twice = counts.values().stream().filter(n -> n > 1).count();
      if (twice > 0) {
        duplicated.put(group, (int) twice);
      }
    });

    return new Report(sends.size(), acked, failed, unknown, deliveries.size(), lost, recovered, unexpected,
        duplicated, offsetConflicts(sends, deliveries), offsetGaps(deliveries, drainingGroup),
        fifoViolations(byId, deliveries));
  }

  private static List<String> offsetConflicts(List<History.Send> sends, List<History.Delivery> deliveries) {
    Map<String, String> idAt = new HashMap<>();
    Set<String> conflicts = new TreeSet<>();
    for (History.Send s : sends) {
      if (s.outcome() == History.Outcome.OK && s.offset() >= 0) {
        claim(idAt, conflicts, slot(s.topic(), s.queueId(), s.offset()), s.id(), "receipt");
      }
    }
    for (History.Delivery d : deliveries) {
      claim(idAt, conflicts, slot(d.topic(), d.queueId(), d.offset()), d.id(), "delivery to " + d.consumerGroup());
    }
    return new ArrayList<>(conflicts);
  }

  private static void claim(Map<String, String> idAt, Set<String> conflicts, String slot, String id, String source) {
    String before = idAt.putIfAbsent(slot, id);
    if (before != null && !before.equals(id)) {
      conflicts.add(slot + " holds " + before + " and " + id + " (" + source + ")");
    }
  }

  private static List<String> offsetGaps(List<History.Delivery> deliveries, String drainingGroup) {
    Map<String, TreeSet<Long>> offsets = new TreeMap<>();
    for (History.Delivery d : deliveries) {
      if (d.consumerGroup().equals(drainingGroup)) {
        offsets.computeIfAbsent(d.topic() + "/" + d.queueId(), q -> new TreeSet<>()).add(d.offset());
      }
    }
    List<String> gaps = new ArrayList<>();
    offsets.forEach((queue, seen) -> {
      long missing = seen.last() + 1 - seen.size();
      if (missing > 0) {
        long first = 0;
        while (seen.contains(first)) {
          first++;
        }
        gaps.add(queue + ": " + missing + " of offsets 0.." + seen.last() + " never delivered, the first " + first);
      }
    });
    return gaps;
  }

  /**
   * Per consumer group and message group: the first deliveries must come in the order the sends
   * were acknowledged (a redelivery of an earlier message is not a violation; a message overtaking
   * an earlier acknowledged one is).
   */
  private static List<String> fifoViolations(Map<String, History.Send> byId, List<History.Delivery> deliveries) {
    Map<String, Long> highestAckOrder = new HashMap<>();
    Map<String, String> highestId = new HashMap<>();
    Set<String> seen = new HashSet<>();
    List<String> violations = new ArrayList<>();
    for (History.Delivery d : deliveries) {
      History.Send s = byId.get(d.id());
      if (d.messageGroup().isEmpty() || s == null || s.outcome() != History.Outcome.OK
          || !seen.add(d.consumerGroup() + "\u0000" + d.id())) {
        continue;
      }
      String key = d.consumerGroup() + "\u0000" + d.topic() + "\u0000" + d.messageGroup();
      Long highest = highestAckOrder.get(key);
      if (highest != null && s.ackOrder() < highest) {
        violations.add("group " + d.consumerGroup() + ", message group " + d.messageGroup() + ": " + d.id()
            + " delivered after " + highestId.get(key) + ", which was acknowledged later");
      } else {
        highestAckOrder.put(key, s.ackOrder());
        highestId.put(key, d.id());
      }
    }
    return violations;
  }

  private static String slot(String topic, int queueId, long offset) {
    return topic + "/" + queueId + "@" + offset;
  }

  static String sample(java.util.Collection<String> items) {
    return items.stream().limit(10).collect(Collectors.joining(", ")) + (items.size() > 10 ? ", ..." : "");
  }
}
