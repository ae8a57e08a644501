package io.sluice.bench.e2e;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * Counts the membership and failover events the nodes log (Pekko Cluster, its Split Brain
 * Resolver and Sluice's replica controller), from their log lines as they are printed. Lines
 * arriving before {@link #arm} are ignored, so cluster formation and the first elections do not
 * count. Thread-safe (each node's log pump calls {@link #accept}).
 */
final class MembershipEvents {
  /** One kind of event, with the log text that marks it. */
  enum Kind {
    UNREACHABLE("member marked unreachable", "Marking node as UNREACHABLE"),
    REACHABLE_AGAIN("member marked reachable again", "Marking node as REACHABLE"),
    SBR_DECISION("SBR downing decisions", "SBR took decision"),
    DOWNED("member marked Down", "as \\[Down\\]"),
    REMOVED("member removed by the leader", "Leader is removing"),
    CONTROLLER_START("replica controller started (singleton moved)", "Replica controller: term "),
    ELECTION("master elected", "Replica controller: group \\S+ elects "),
    IN_SYNC_CHANGE("in-sync set changed", "Replica controller: group \\S+ in-sync set "),
    GROUP_OFFLINE("group offline", "Replica controller: group \\S+ OFFLINE"),
    WARN_OR_ERROR("WARN/ERROR lines", "^\\S+ (WARN|ERROR) ");

    final String label;
    final Pattern pattern;

    Kind(String label, String regex) {
      this.label = label;
      this.pattern = Pattern.compile(regex);
    }
  }

  private static final int KEPT_LINES = 200;

  private final Map<Kind, LongAdder> counts = new EnumMap<>(Kind.class);
  private final List<String> lines = new ArrayList<>(); // guarded by this
  private volatile boolean armed;

  MembershipEvents() {
    for (Kind k : Kind.values()) {
      counts.put(k, new LongAdder());
    }
  }

  /** Starts counting. */
  void arm() {
    armed = true;
  }

  /** Stops counting (before the nodes are stopped, whose leaving is no event). */
  void disarm() {
    armed = false;
  }

  void accept(String node, String line) {
    if (!armed) {
      return;
    }
    boolean kept = false;
    for (Kind k : Kind.values()) {
      if (k.pattern.matcher(line).find()) {
        counts.get(k).increment();
        if (!kept) {
          keep(node + ": " + line);
          kept = true;
        }
      }
    }
  }

  private synchronized void keep(String line) {
    if (lines.size() < KEPT_LINES) {
      lines.add(line);
    }
  }

  long count(Kind k) {
    return counts.get(k).sum();
  }

  /** The first {@value #KEPT_LINES} lines that matched a kind, each prefixed with its node. */
  synchronized List<String> lines() {
    return List.copyOf(lines);
  }
}
