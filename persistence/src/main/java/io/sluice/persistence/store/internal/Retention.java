package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.StoreSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes whole CommitLog segments, oldest first, while the oldest was last written before the
 * retention time or the disk is fuller than the configured ratio; then moves every ConsumeQueue's
 * lowest retained sequence nr up and drops Index files that only point below the new start. The
 * active segment is never deleted. Before a segment goes, the live events of long-lived ids in it
 * are carried forward ({@link LiveEventCarrier}); if that fails, the segment stays.
 *
 * <p>Thread-safety: runs on the flusher thread (or a test); concurrent with the writer and reads.
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

  public Retention(StoreSettings settings, Clock clock, CommitLog commitLog, ConsumeQueues queues, MessageIndex index,
      DiskSpace.UsageProbe usage, LiveEventCarrier carrier) {
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
        long lastWrite = Files.getLastModifiedTime(oldest.file()).toMillis();
        double usage = this.usage.usedRatio();
        String reason =
            lastWrite < expiredBefore ? "older than " + settings.retentionTime()
                : usage > settings.diskUsageRatio() ? String.format("disk %.0f%% full", usage * 100)
                : null;
        if (reason == null) {
          break;
        }
        // Throws if the live events cannot be carried: the segment then stays.
        int carried = carrier.hasWork() ? carrier.carryForward(oldest) : 0;
        commitLog.removeOldest();
        removed = true;
        log.info("Retention deleted CommitLog segment {} ({}), {} live events of long-lived ids carried forward",
            oldest.file(), reason, carried);
      }
    } finally {
      if (removed) {
        long min = commitLog.minPosition();
        for (ConsumeQueue cq : queues.all()) {
          cq.retainFrom(min);
        }
        index.retainFrom(min);
      }
    }
  }
}
