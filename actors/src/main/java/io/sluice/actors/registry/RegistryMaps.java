package io.sluice.actors.registry;

import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;

/**
 * How the registries keep their state in Distributed Data: one {@link LWWMap} per kind (topics by
 * name, retry policies by group), each entry stamped with a version that its writer, the registry
 * singleton, makes grow with every change ({@link #nextVersion}), and that version is the entry's
 * LWW clock.
 *
 * <p>Why this merges safely: only the singleton writes, one change at a time, after reading a
 * majority when it starts; so for every name the newest change carries the highest version and
 * wins on every node whatever order the copies meet in. The one conflict left is a write that
 * timed out (reported as "outcome unknown") and reached a minority, followed by another singleton
 * writing the same name: versions are at least the wall clock in milliseconds, so the later write
 * normally has the higher one; on an exact tie LWW picks the same winner on every node (by node
 * address). A map, not one register holding the whole snapshot, because Pekko propagates a map's
 * deltas (the changed entries) to every node within a fraction of the gossip interval, and a
 * register only by full gossip to one random node per interval.
 */
public final class RegistryMaps {
  private RegistryMaps() {}

  /** The version for the next change: above every version seen, and at least now in milliseconds. */
  public static long nextVersion(Map<String, ? extends Versioned> entries) {
    long highest = 0;
    for (Versioned entry : entries.values()) {
      highest = Math.max(highest, entry.version());
    }
    return Math.max(highest + 1, System.currentTimeMillis());
  }

  /** {@code held} with each entry of {@code incoming} whose version is higher than the one held. */
  public static <V extends Versioned> Map<String, V> merge(Map<String, V> held, Map<String, V> incoming) {
    Map<String, V> merged = new HashMap<>(held);
    incoming.forEach((name, entry) -> merged.merge(name, entry, (mine, theirs) -> theirs.version() > mine.version() ? theirs : mine));
    return Map.copyOf(merged);
  }

  /** {@code map} with {@code changes} put, each clocked by its own version. */
  public static <V extends Versioned> LWWMap<String, V> putAll(LWWMap<String, V> map, SelfUniqueAddress node, Map<String, V> changes) {
    LWWRegister.Clock<V> byVersion = (currentTimestamp, value) -> value.version();
    LWWMap<String, V> result = map;
    for (Map.Entry<String, V> change : changes.entrySet()) {
      result = result.put(node, change.getKey(), change.getValue(), byVersion);
    }
    return result;
  }
}
