package io.sluice.gateway.replication;

import io.sluice.persistence.store.MessageStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * What this node's replication actors publish for {@code /cluster/replication}: per broker group
 * its store and role, the latest view of its replicas (a master) or of its master (a replica), and
 * the group's {@link GroupReplica} (which a planned switch asks). Written by the actors, read by
 * the route. Thread-safe.
 */
public final class ReplicationStatus implements Extension {
  /**
   * A replica as its master last saw it: {@code lastFetchNanos} is when it last fetched (or, for a
   * member of the in-sync set it started with, when the master started), monotonic; it is stale
   * when that is more than {@code staleAfterNanos} ({@code replica-max-lag}) ago.
   */
  public record ReplicaView(String replicaId, long confirmedPosition, boolean inSync, long lastFetchNanos,
      long staleAfterNanos) {
    /** Milliseconds since the replica last fetched, now. */
    public long lastFetchAgeMillis() {
      return Math.max(0, (System.nanoTime() - lastFetchNanos) / 1_000_000);
    }

    /** Not fetched within {@code replica-max-lag}: stopped, cut off or gone. */
    public boolean stale() {
      return System.nanoTime() - lastFetchNanos > staleAfterNanos;
    }
  }

  /**
   * One group on this node.
   *
   * @param master the address of the master a replica fetches from (empty if none yet); empty for a master
   * @param fetchedPosition a replica's log end after its last chunk; -1 for a master
   * @param replicas a master's replicas; empty for a replica
   */
  public record GroupView(String group, boolean isMaster, MessageStore store, String master, long fetchedPosition,
      List<ReplicaView> replicas) {
    public GroupView {
      replicas = List.copyOf(replicas);
    }
  }

  private static final ExtensionId<ReplicationStatus> ID = new ExtensionId<>() {
    @Override
    public ReplicationStatus createExtension(ActorSystem<?> system) {
      return new ReplicationStatus();
    }
  };

  private final ConcurrentHashMap<String, GroupView> groups = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ActorRef<GroupReplica.Command>> replicas = new ConcurrentHashMap<>();

  private ReplicationStatus() {}

  public static ReplicationStatus get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  void publish(GroupView view) {
    groups.put(view.group(), view);
  }

  void register(String group, ActorRef<GroupReplica.Command> replica) {
    replicas.put(group, replica);
  }

  /** The actor owning this node's copy of {@code group}, if the node carries it. */
  Optional<ActorRef<GroupReplica.Command>> replicaOf(String group) {
    return Optional.ofNullable(replicas.get(group));
  }

  /** Every group of this node by name. */
  public Map<String, GroupView> groups() {
    return new TreeMap<>(groups);
  }
}
