package io.sluice.persistence.store;

/**
 * A {@code sync} write refused because fewer copies are in sync than {@code
 * replication.min-in-sync}; nothing of it was stored. Writes succeed again once enough replicas
 * are back in sync.
 */
public final class NotEnoughReplicasException extends Exception {
  private final int inSyncCount;
  private final int minInSync;

  public NotEnoughReplicasException(int inSyncCount, int minInSync) {
    super("not enough replicas in sync: " + inSyncCount + " (the master included), min-in-sync is "
        + minInSync + "; nothing was stored");
    this.inSyncCount = inSyncCount;
    this.minInSync = minInSync;
  }

  /** Copies in sync when the write was refused, the master included. */
  public int inSyncCount() {
    return inSyncCount;
  }

  public int minInSync() {
    return minInSync;
  }
}
