package io.sluice.gateway.replication;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The master's view of its replicas and its proposals for the in-sync set: a replica should join
 * once its confirmed position reaches the commit position, and leave when it has not reached the
 * master's log end, or not fetched, within {@code maxLag}. The set itself changes only through
 * {@link #setInSync}, once the replica controller accepted a proposal. A replica is
 * caught up at a moment when its ack reaches the log end the master had when it answered the
 * replica's previous fetch (Kafka's lastCaughtUpTime), or the current end. Not thread-safe: one
 * actor owns it. Times are monotonic nanoseconds.
 */
final class InSyncReplicas {
  /** A replica as the master sees it. */
  record Replica(String id, long confirmed, long lastFetchNanos, long caughtUpNanos, long endWhenServed,
      boolean inSync) {}

  /** A change of the in-sync set, with the replica's lag when it was decided. */
  record Change(String replicaId, boolean joined, long lagBytes, long lagMillis) {}

  private final long maxLagNanos;
  private final Map<String, Replica> replicas = new HashMap<>();

  InSyncReplicas(long maxLagNanos) {
    this.maxLagNanos = maxLagNanos;
  }

  /**
   * A new master's replicas: {@code inSync} (the controller's set, master excluded) counts as in
   * sync and caught up at {@code now}, so a member leaves only if it neither fetches nor reaches
   * the log end within {@code maxLag} from now.
   */
  InSyncReplicas(long maxLagNanos, Set<String> inSync, long now) {
    this(maxLagNanos);
    for (String id : inSync) {
      replicas.put(id, new Replica(id, 0, now, now, Long.MAX_VALUE, true));
    }
  }

  /** A fetch from {@code id} acknowledging the log below {@code confirmed}. */
  void fetched(String id, long confirmed, long masterEnd, long now) {
    Replica r = replicas.get(id);
    if (r == null) {
      r = new Replica(id, confirmed, now, now - maxLagNanos - 1, Long.MAX_VALUE, false);
    }
    boolean caughtUp = confirmed >= Math.min(r.endWhenServed(), masterEnd);
    replicas.put(id, new Replica(id, confirmed, now, caughtUp ? now : r.caughtUpNanos(), r.endWhenServed(),
        r.inSync()));
  }

  /** The master answered {@code id}'s fetch while its log ended at {@code masterEnd}. */
  void served(String id, long masterEnd) {
    Replica r = replicas.get(id);
    if (r != null) {
      replicas.put(id, new Replica(id, r.confirmed(), r.lastFetchNanos(), r.caughtUpNanos(), masterEnd, r.inSync()));
    }
  }

  /**
   * Applies the join and leave rules; returns the changes they call for (empty when none), which
   * take effect only through {@link #setInSync}.
   */
  List<Change> evaluate(long masterEnd, long commitPosition, long now) {
    List<Change> changes = new ArrayList<>();
    for (Replica r : List.copyOf(replicas.values())) {
      long caughtUp = r.confirmed() >= masterEnd ? now : r.caughtUpNanos();
      long lagMillis = (now - Math.min(caughtUp, r.lastFetchNanos())) / 1_000_000;
      boolean lagging = now - caughtUp > maxLagNanos || now - r.lastFetchNanos() > maxLagNanos;
      if (r.inSync() && lagging) {
        changes.add(new Change(r.id(), false, Math.max(0, masterEnd - r.confirmed()), lagMillis));
      } else if (!r.inSync() && !lagging && r.confirmed() >= commitPosition) {
        changes.add(new Change(r.id(), true, Math.max(0, masterEnd - r.confirmed()), lagMillis));
      }
      replicas.put(r.id(), new Replica(r.id(), r.confirmed(), r.lastFetchNanos(), caughtUp, r.endWhenServed(),
          r.inSync()));
    }
    return changes;
  }

  /** The in-sync set (master excluded) the controller accepted; a member never seen counts as in sync. */
  void setInSync(Set<String> ids) {
    long now = System.nanoTime();
    for (String id : ids) {
      replicas.putIfAbsent(id, new Replica(id, 0, now, now, Long.MAX_VALUE, true));
    }
    for (Replica r : List.copyOf(replicas.values())) {
      replicas.put(r.id(), new Replica(r.id(), r.confirmed(), r.lastFetchNanos(), r.caughtUpNanos(),
          r.endWhenServed(), ids.contains(r.id())));
    }
  }

  /** {@link #inSync} with the proposed {@code changes} applied. */
  Set<String> proposed(List<Change> changes) {
    Set<String> ids = new TreeSet<>(inSync());
    for (Change c : changes) {
      if (c.joined()) {
        ids.add(c.replicaId());
      } else {
        ids.remove(c.replicaId());
      }
    }
    return ids;
  }

  /** The ids of the replicas in sync (the master excluded). */
  Set<String> inSync() {
    Set<String> ids = new TreeSet<>();
    replicas.values().forEach(r -> {
      if (r.inSync()) {
        ids.add(r.id());
      }
    });
    return ids;
  }

  /** Every replica that fetched since the master started, by id. */
  List<Replica> replicas() {
    List<Replica> all = new ArrayList<>(replicas.values());
    all.sort(java.util.Comparator.comparing(Replica::id));
    return all;
  }
}
