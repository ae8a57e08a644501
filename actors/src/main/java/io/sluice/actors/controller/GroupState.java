package io.sluice.actors.controller;

import java.util.Set;

/**
 * The controller's decision for one broker group, kept in Distributed Data: who masters it in which
 * epoch, its in-sync set and status, tagged with the controller term and version that decided it.
 *
 * @param master the master's replica id, empty while {@link Status#OFFLINE}
 * @param masterAddress the master's node address ({@code Address.toString}), empty while offline
 * @param inSync the in-sync set (replica ids; the master is in it)
 * @param term the controller term that made this decision
 * @param version above every version of every group the deciding controller had seen
 */
public record GroupState(String group, String master, String masterAddress, long epoch, Set<String> inSync,
    Status status, long term, long version) {

  public enum Status {
    /** The master serves the group. */
    ACTIVE,
    /** A master was chosen and told to promote; not serving until it reports ready. */
    PROMOTING,
    /** No eligible replica: the group serves nothing until one returns or an operator forces one. */
    OFFLINE
  }

  public GroupState {
    inSync = Set.copyOf(inSync);
  }

  /** Decisions merge by maximum of (term, epoch, version): a later controller's decision wins. */
  public boolean isNewerThan(GroupState other) {
    if (term != other.term) {
      return term > other.term;
    }
    if (epoch != other.epoch) {
      return epoch > other.epoch;
    }
    return version > other.version;
  }

  /**
   * The Distributed Data (LWW) clock of this decision: term in the high bits, version in the low 40.
   * It orders decisions as {@link #isNewerThan} does, since within one term a single controller
   * decides one change at a time and epochs only grow with its versions.
   */
  public long clock() {
    return (term << 40) | (version & ((1L << 40) - 1));
  }

  GroupState decided(long byTerm, long withVersion) {
    return new GroupState(group, master, masterAddress, epoch, inSync, status, byTerm, withVersion);
  }

  GroupState withInSync(Set<String> newInSync) {
    return new GroupState(group, master, masterAddress, epoch, newInSync, status, term, version);
  }

  GroupState withStatus(Status newStatus) {
    return new GroupState(group, master, masterAddress, epoch, inSync, newStatus, term, version);
  }
}
