package io.sluice.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One reading a second of every node's management HTTP ({@code GET /cluster/members} and {@code
 * GET /cluster/replication}) and of the machine's load average, counting what changed between
 * readings: a node's view turning unhealthy (not every member Up, or someone unreachable), a node
 * not answering, a group's master moving or its epoch rising, a master seeing a replica out of
 * sync. A poll sees states that last about a second or more; the node logs ({@link
 * MembershipEvents}) see every event. Used from one thread.
 */
final class ClusterPoller {
  private static final Pattern UP = Pattern.compile("\"status\"\\s*:\\s*\"Up\"");
  private static final Pattern NO_UNREACHABLE = Pattern.compile("\"unreachable\"\\s*:\\s*\\[\\s*\\]");
  private static final Pattern GROUP_ROLE =
      Pattern.compile("\"group\"\\s*:\\s*\"([^\"]+)\"\\s*,\\s*\"role\"\\s*:\\s*\"(master|replica)\"\\s*,\\s*\"epoch\"\\s*:\\s*(\\d+)");
  private static final Pattern OUT_OF_SYNC = Pattern.compile("\"inSync\"\\s*:\\s*false");

  private final BrokerCluster cluster;
  private final boolean[] unhealthy;
  private final boolean[] silent;
  private final boolean[] outOfSync;
  private final Map<String, Integer> masterOf = new HashMap<>();
  private final Map<String, Long> epochOf = new HashMap<>();

  long polls;
  long unhealthyEpisodes;
  long unhealthyNodeSeconds;
  long silentEpisodes;
  long masterMoves;
  long epochRises;
  long outOfSyncEpisodes;
  double loadSum;
  double loadMax;

  ClusterPoller(BrokerCluster cluster) {
    this.cluster = cluster;
    this.unhealthy = new boolean[cluster.size()];
    this.silent = new boolean[cluster.size()];
    this.outOfSync = new boolean[cluster.size()];
  }

  /** Takes one reading; the first one only records the masters and epochs it starts from. */
  void poll() throws InterruptedException {
    double load = loadAverage1();
    loadSum += load;
    loadMax = Math.max(loadMax, load);
    for (int i = 0; i < cluster.size(); i++) {
      String members = cluster.get(i, "/cluster/members");
      boolean noAnswer = members.isEmpty();
      if (noAnswer && !silent[i]) {
        silentEpisodes++;
      }
      silent[i] = noAnswer;
      boolean bad = !noAnswer
          && (UP.matcher(members).results().count() != cluster.size() || !NO_UNREACHABLE.matcher(members).find());
      if (bad) {
        unhealthyNodeSeconds++;
        if (!unhealthy[i]) {
          unhealthyEpisodes++;
        }
      }
      unhealthy[i] = bad;
      String replication = cluster.get(i, "/cluster/replication");
      boolean lagging = OUT_OF_SYNC.matcher(replication).find();
      if (lagging && !outOfSync[i]) {
        outOfSyncEpisodes++;
      }
      outOfSync[i] = lagging;
      Matcher m = GROUP_ROLE.matcher(replication);
      while (m.find()) {
        String group = m.group(1);
        long epoch = Long.parseLong(m.group(3));
        Long before = epochOf.get(group);
        if (before == null || epoch > before) {
          if (before != null && polls > 0) {
            epochRises++;
          }
          epochOf.put(group, epoch);
        }
        if (m.group(2).equals("master")) {
          Integer was = masterOf.put(group, i);
          if (was != null && was != i && polls > 0) {
            masterMoves++;
          }
        }
      }
    }
    polls++;
  }

  double loadMean() {
    return polls == 0 ? 0 : loadSum / polls;
  }

  /** The masters and epochs seen last, e.g. {@code g1=n1@1}. */
  String masters() {
    StringBuilder s = new StringBuilder();
    masterOf.keySet().stream().sorted().forEach(g -> s.append(s.length() == 0 ? "" : " ")
        .append(g).append("=n").append(masterOf.get(g) + 1).append("@").append(epochOf.get(g)));
    return s.toString();
  }

  /** Whether every group has a master and every node's view is healthy in the last reading. */
  boolean settled(int groups) {
    for (int i = 0; i < cluster.size(); i++) {
      if (unhealthy[i] || silent[i] || outOfSync[i]) {
        return false;
      }
    }
    return masterOf.size() >= groups;
  }

  static double loadAverage1() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
