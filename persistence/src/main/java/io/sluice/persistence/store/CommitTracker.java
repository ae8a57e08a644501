package io.sluice.persistence.store;

import io.sluice.persistence.store.internal.PositionWaiters;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The master's commit position: the log end that the master and every replica of the in-sync set
 * have, {@code min(confirmedPosition, confirmed of each in-sync replica)} (the master's confirmed
 * position alone while the set is empty). The replication layer reports the in-sync set ({@link
 * #setInSync}) and each replica's acknowledged position ({@link #confirmed}); a {@code sync}
 * journal acknowledges a write once the commit position passes it, and queries see only what is
 * below it.
 *
 * <p>Monotonic: a replica joining the set behind the commit position does not lower it (it only
 * holds it until the replica catches up); removing a replica can only raise it.
 *
 * <p>Thread-safety: any thread. Futures of {@link #awaitCommit} complete on the thread that moved
 * the commit position (the store's writer, or the caller of {@link #confirmed}): continue
 * asynchronously.
 */
public final class CommitTracker {
  private final ReplicationSettings settings;
  private final LongSupplier masterConfirmed;
  /** Reads waiting for the commit position (live queries). */
  private final PositionWaiters waiters = new PositionWaiters();
  /** Writes waiting for it before they are acknowledged (the journal); a demotion fails them. */
  private final PositionWaiters writes = new PositionWaiters();
  private final AtomicLong committed = new AtomicLong();
  /** Why every wait fails, once the store closed. */
  private volatile Throwable closed;
  /** Why every wait fails while the store no longer masters its group (null while it does). */
  private volatile MasterDemotedException demoted;

  // Guarded by this; replicaFloor is their summary, read without the lock.
  private Set<String> inSync = Set.of();
  private final Map<String, Long> confirmedByReplica = new HashMap<>();
  /** Lowest confirmed position of the in-sync replicas, {@code Long.MAX_VALUE} if there is none. */
  private volatile long replicaFloor = Long.MAX_VALUE;

  /** @param masterConfirmed the local log's confirmed end, which only grows */
  public CommitTracker(ReplicationSettings settings, LongSupplier masterConfirmed) {
    this.settings = settings;
    this.masterConfirmed = masterConfirmed;
  }

  /**
   * The replicas now in sync, master excluded. A replica that has not confirmed anything counts as
   * confirming position 0 until it does.
   */
  public void setInSync(Set<String> replicaIds) {
    synchronized (this) {
      inSync = Set.copyOf(replicaIds);
      updateFloor();
    }
    signal();
  }

  /**
   * A new mastership of this store (a promotion): forgets what replicas confirmed in an earlier one
   * (a truncation may have cut below it since), caps the commit position at the log end, and
   * starts with in-sync set {@code replicaIds}, each confirming position 0 until it fetches.
   */
  public void restart(Set<String> replicaIds) {
    demoted = null;
    synchronized (this) {
      confirmedByReplica.clear();
      committed.accumulateAndGet(masterConfirmed.getAsLong(), Math::min);
      inSync = Set.copyOf(replicaIds);
      updateFloor();
    }
    signal();
  }

  /** Replica {@code replicaId} has the log up to {@code position} (its acknowledged end). */
  public void confirmed(String replicaId, long position) {
    synchronized (this) {
      confirmedByReplica.put(replicaId, position);
      if (!inSync.contains(replicaId)) {
        return;
      }
      updateFloor();
    }
    signal();
  }

  /** The replicas in sync, master excluded. */
  public synchronized Set<String> inSync() {
    return inSync;
  }

  /** The last position each replica confirmed, in sync or not (for monitoring lag). */
  public synchronized Map<String, Long> confirmedPositions() {
    return Map.copyOf(confirmedByReplica);
  }

  /** Copies in sync, the master included. */
  public synchronized int inSyncCount() {
    return inSync.size() + 1;
  }

  /** The log end below which every record is committed; never goes back. */
  public long commitPosition() {
    long now = Math.min(masterConfirmed.getAsLong(), replicaFloor);
    long before = committed.get();
    return now > before ? committed.accumulateAndGet(now, Math::max) : before;
  }

  /**
   * A future completed once the commit position is at least {@code position} (every byte below it
   * committed); failed when the store closes. For reads.
   */
  public CompletableFuture<Void> awaitCommit(long position) {
    return await(waiters, position, () -> closed);
  }

  /**
   * {@link #awaitCommit} for a write to acknowledge: also failed with {@link
   * MasterDemotedException} once the store is demoted (until its next mastership).
   */
  public CompletableFuture<Void> awaitWriteCommit(long position) {
    return await(writes, position, this::writeFailure);
  }

  private CompletableFuture<Void> await(PositionWaiters on, long position, Supplier<Throwable> failure) {
    Throwable cause = failure.get();
    if (cause != null) {
      return CompletableFuture.failedFuture(cause);
    }
    CompletableFuture<Void> commit = on.await(position, this::commitPosition);
    cause = failure.get();
    if (cause != null) {
      // failAll ran between the check and the registration
      commit.completeExceptionally(cause);
    }
    return commit;
  }

  /**
   * The store stopped mastering its group: every write's wait ({@link #awaitWriteCommit}) fails now
   * with {@link MasterDemotedException}, and so does every later one until {@link #restart} (a
   * write whose append completes after the demotion must not wait either). Its pending writes
   * cannot commit here any more, yet the new master may hold them: their outcome is unknown. Reads
   * keep waiting.
   */
  public void demoted() {
    MasterDemotedException cause = new MasterDemotedException();
    demoted = cause;
    writes.failAll(cause);
  }

  private Throwable writeFailure() {
    Throwable cause = closed;
    return cause != null ? cause : demoted;
  }

  /**
   * Why a {@code sync} write must be refused now: fewer copies in sync than {@code min-in-sync}.
   * Empty in other modes. For admission control before a write reaches the journal; the journal
   * checks the same.
   */
  public Optional<NotEnoughReplicasException> writeRefusal() {
    if (!settings.isSync()) {
      return Optional.empty();
    }
    int count = inSyncCount();
    return count < settings.minInSync()
        ? Optional.of(new NotEnoughReplicasException(count, settings.minInSync()))
        : Optional.empty();
  }

  /** The store's writer: the local log grew (the commit may follow when it is the lowest copy). */
  void logEndMoved() {
    if (waiters.hasWaiters() || writes.hasWaiters()) {
      signal();
    }
  }

  /** The store closed: fails every wait, now and later. */
  void failAll(Throwable cause) {
    closed = cause;
    waiters.failAll(cause);
    writes.failAll(cause);
  }

  private void signal() {
    long commit = commitPosition();
    waiters.signal(commit);
    writes.signal(commit);
  }

  private void updateFloor() {
    long floor = Long.MAX_VALUE;
    for (String replica : inSync) {
      floor = Math.min(floor, confirmedByReplica.getOrDefault(replica, 0L));
    }
    replicaFloor = floor;
  }
}
