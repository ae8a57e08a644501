package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.StoreRole;
import io.sluice.persistence.store.StoreSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes whole CommitLog segments, oldest first, while the oldest was last written before the
 * retention time or the disk is fuller than the configured ratio; then moves every ConsumeQueue's
 * lowest retained sequence nr up and drops Index files that only point below the new start. The
 * active segment is never deleted. Before a segment goes, the live events of long-lived ids in it
 * are carried forward ({@link LiveEventCarrier}); if that fails, the segment stays.
 *
 * <p>A {@link StoreRole#REPLICA} writes nothing: its log must stay a copy of its master's. It
 * deletes only segments wholly below the floor its master's retention reached, where the master
 * already carried the live events forward and the copies reached this log.
 *
 * <p>Thread-safety: runs on the flusher thread (or a test); concurrent with the writer and reads.
 * Deleting and moving entries up hold {@code cutLock}, which cuts of the log hold too; carrying
 * forward does not (it waits for the writer, which runs the cuts).
 */
public final class Retention {
  private static final Logger log = LoggerFactory.getLogger(Retention.class);

  private final StoreSettings settings;
  private final Clock clock;
  private final CommitLog commitLog;
  private final ConsumeQueues queues;
  private final MessageIndex index;
  private final DiskSpace.UsageProbe usage;
  private final LiveEventCarrier carrier;
  private final Supplier<StoreRole> role;
  private final LongSupplier replicaFloor;
  private final Object cutLock;

  public Retention(StoreSettings settings, Clock clock, CommitLog commitLog, ConsumeQueues queues, MessageIndex index,
      DiskSpace.UsageProbe usage, LiveEventCarrier carrier, Supplier<StoreRole> role, LongSupplier replicaFloor,
      Object cutLock) {
    this.role = role;
    this.replicaFloor = replicaFloor;
    this.cutLock = cutLock;
    this.settings = settings;
    this.clock = clock;
    this.commitLog = commitLog;
    this.queues = queues;
    this.index = index;
    this.usage = usage;
    this.carrier = carrier;
  }

  public synchronized void run() throws IOException {
    long expiredBefore = clock.millis() - settings.retentionTime().toMillis();
    boolean removed = false;
    // Segments that receive carried-forward events in this run are not looked at again in it.
    long activeAtStart = commitLog.activeSegment().basePosition();
    try {
      while (commitLog.segments().length > 1 && commitLog.segments()[0].basePosition() < activeAtStart) {
        Segment oldest = commitLog.segments()[0];
        boolean replica = role.get() == StoreRole.REPLICA;
        String reason = replica ? belowFloor(oldest) : expired(oldest, expiredBefore);
        if (reason == null) {
          break;
        }
        // Throws if the live events cannot be carried: the segment then stays.
        int carried = !replica && carrier.hasWork() ? carrier.carryForward(oldest) : 0;
        synchronized (cutLock) {
          if (commitLog.segments()[0] != oldest || commitLog.removeOldest() == null) {
            break; // the log was cut meanwhile
          }
          removed = true;
        }
        log.info("Retention deleted CommitLog segment {} ({}), {} live events of long-lived ids carried forward",
            oldest.file(), reason, carried);
      }
    } finally {
      if (removed) {
        synchronized (cutLock) {
          long min = commitLog.minPosition();
          for (ConsumeQueue cq : queues.all()) {
            cq.retainFrom(min);
          }
          index.retainFrom(min);
        }
      }
    }
  }

  /** Why a master deletes {@code oldest} now, or null. */
  private String expired(Segment oldest, long expiredBefore) throws IOException {
    long lastWrite = Files.getLastModifiedTime(oldest.file()).toMillis();
    double usage = this.usage.usedRatio();
    return lastWrite < expiredBefore ? "older than " + settings.retentionTime()
        : usage > settings.diskUsageRatio() ? String.format("disk %.0f%% full", usage * 100)
        : null;
  }

  /** Why a replica deletes {@code oldest} now (its master's retention passed it), or null. */
  private String belowFloor(Segment oldest) {
    long floor = replicaFloor.getAsLong();
    return oldest.endPosition() <= floor ? "below the master's oldest position " + floor : null;
  }
}
