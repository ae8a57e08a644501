package io.sluice.persistence.store;

import java.time.Duration;

/**
 * A {@code sync} write that was stored on the master but not acknowledged as committed. Outcome
 * unknown: the write may still commit (or be cut off by a failover), so a client resends it with
 * the same message id. Raised when the commit position does not pass the write within {@code
 * replication.timeout}, when it passes only after the in-sync set fell below {@code
 * min-in-sync} (so the write has fewer copies than required), or at once when the master is
 * demoted while the write waits.
 */
public final class ReplicationTimeoutException extends Exception {
  private final long endPosition;

  private ReplicationTimeoutException(String message, long endPosition) {
    super("outcome unknown: stored on the master, may still commit; " + message);
    this.endPosition = endPosition;
  }

  /** The commit position did not reach {@code endPosition} within {@code timeout}. */
  public static ReplicationTimeoutException timedOut(long endPosition, long commitPosition, Duration timeout) {
    return new ReplicationTimeoutException(
        "the commit position (" + commitPosition + ") did not reach the write's end (" + endPosition
            + ") within " + timeout, endPosition);
  }

  /** The write committed with fewer copies in sync than {@code minInSync}. */
  public static ReplicationTimeoutException tooFewCopies(long endPosition, int inSyncCount, int minInSync) {
    return new ReplicationTimeoutException(
        "it committed with " + inSyncCount + " copies in sync (the master included), below min-in-sync "
            + minInSync, endPosition);
  }

  /**
   * The store stopped mastering its group while the write waited (a newer master exists): no
   * replica confirms to it any more, but the new master may hold the write already.
   */
  public static ReplicationTimeoutException demoted(long endPosition, long commitPosition) {
    return new ReplicationTimeoutException(
        "the master was demoted before the commit position (" + commitPosition + ") reached the write's end ("
            + endPosition + ")", endPosition);
  }

  /** The log position whose commit the write waited for. */
  public long endPosition() {
    return endPosition;
  }
}
