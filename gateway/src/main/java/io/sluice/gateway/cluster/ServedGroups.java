package io.sluice.gateway.cluster;

import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.GroupState;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The broker groups this node serves (masters) now: its own group when that is not replicated, and
 * every replicated group ({@code sluice.controller.groups}) whose ACTIVE master, as this node's
 * {@link GroupMasters} sees the controller's decisions, is this node. Listeners hear when a group
 * starts being served here (it became ACTIVE with this node as master) and when it stops (a newer
 * decision names another master or another status).
 *
 * <p>Thread-safety: any thread; listeners are called one change at a time.
 */
public final class ServedGroups {
  /** Told of a group served here from now on, or no longer. */
  public interface Listener {
    void started(String group);

    void stopped(String group);
  }

  private final GroupMasters masters;
  private final String ownGroup;
  private final Address self;
  private final Set<String> served = new HashSet<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  ServedGroups(GroupMasters masters, String ownGroup, Address self) {
    this.masters = masters;
    this.ownGroup = ownGroup;
    this.self = self;
    if (!ownGroup.isEmpty() && !masters.isReplicated(ownGroup)) {
      served.add(ownGroup);
    }
    masters.addListener(this::decided);
    masters.replicatedGroups().keySet().forEach(group -> masters.stateOf(group).ifPresent(this::decided));
  }

  /** This node's groups, following {@code system}'s view of the replica controller. */
  public static ServedGroups start(ActorSystem<?> system, String ownGroup) {
    return new ServedGroups(GroupMasters.get(system), ownGroup, Cluster.get(system).selfMember().address());
  }

  /** Whether this node serves {@code group} now (its own unreplicated group, or a group it is the ACTIVE master of). */
  public synchronized boolean servesHere(String group) {
    return served.contains(group);
  }

  /** Whether {@code group} is mastered through the replica controller. */
  public boolean isReplicated(String group) {
    return masters.isReplicated(group);
  }

  /** Tells {@code listener} of every group served now, then of each change. */
  public synchronized void addListener(Listener listener) {
    listeners.add(listener);
    served.forEach(listener::started);
  }

  private synchronized void decided(GroupState state) {
    String group = state.group();
    boolean here = masters.activeMasterOf(group).map(self::equals).orElse(false);
    if (here && served.add(group)) {
      listeners.forEach(listener -> listener.started(group));
    } else if (!here && served.remove(group)) {
      listeners.forEach(listener -> listener.stopped(group));
    }
  }
}
