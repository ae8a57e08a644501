package io.sluice.persistence.store;

/**
 * A wait for the commit position ended because the store stopped mastering its group ({@link
 * CommitTracker#demoted}): no replica confirms to it any more. The journal reports the write as
 * {@link ReplicationTimeoutException#demoted} (outcome unknown).
 */
public final class MasterDemotedException extends Exception {
  public MasterDemotedException() {
    super("the store no longer masters its group");
  }
}
