package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.StorageFullException;
import io.sluice.persistence.store.StoreSettings;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the disk holding the store has room for a write: the used ratio of its file system,
 * sampled at most once per {@code disk-limits.check-interval} (by whichever thread asks first),
 * plus the bytes written since (so that a fast writer cannot overshoot a stale sample), against
 * the limit for messages (admission: callers ask before they write) and the hard limit (the writer
 * refuses every append above it). A write that hit a real "no space left" marks the
 * disk full until the next interval.
 *
 * <p>Thread-safety: any thread; racing samples are harmless.
 */
public final class DiskSpace {
  private static final Logger log = LoggerFactory.getLogger(DiskSpace.class);

  /** The used ratio (0..1) of the file system holding the store. */
  @FunctionalInterface
  public interface UsageProbe {
    double usedRatio() throws IOException;

    /** The file system's size; 0 if unknown (then bytes written between samples are not counted). */
    default long totalBytes() throws IOException {
      return 0;
    }
  }

  private final StoreSettings settings;
  private final Clock clock;
  private final UsageProbe probe;
  private final long intervalMs;
  private volatile long nextSampleMs = Long.MIN_VALUE;
  private volatile double usedRatio;
  private volatile long fullUntilMs = Long.MIN_VALUE;
  private volatile long totalBytes;
  /** Bytes the writer wrote since the last sample: a fast writer would overshoot a stale sample. */
  private final AtomicLong writtenSinceSample = new AtomicLong();

  public DiskSpace(StoreSettings settings, Clock clock, UsageProbe probe) {
    this.settings = settings;
    this.clock = clock;
    this.probe = probe;
    this.intervalMs = settings.diskCheckInterval().toMillis();
  }

  /** The probe of a real file system: 1 - usable / total space of the store's directory. */
  public static UsageProbe fileSystemOf(Path dir) {
    return new UsageProbe() {
      @Override
      public double usedRatio() throws IOException {
        FileStore store = Files.getFileStore(dir);
        long total = store.getTotalSpace();
        return total == 0 ? 0 : 1.0 - (double) store.getUsableSpace() / total;
      }

      @Override
      public long totalBytes() throws IOException {
        return Files.getFileStore(dir).getTotalSpace();
      }
    };
  }

  /** Writer thread: {@code bytes} were written to the log; counted until the next sample. */
  public void noteWritten(long bytes) {
    writtenSinceSample.addAndGet(bytes);
  }

  /** Why the store refuses every append now (above the hard limit, or out of space), or null. */
  public StorageFullException writeRefusal() {
    return refusal(settings.diskHardMaxUsedRatio());
  }

  /** Why a caller should not offer messages now (above the limit for messages), or null. */
  public StorageFullException messageRefusal() {
    return refusal(settings.diskMaxUsedRatio());
  }

  private StorageFullException refusal(double limit) {
    long now = clock.millis();
    if (now < fullUntilMs) {
      return new StorageFullException("the disk holding " + settings.dir() + " ran out of space; retrying shortly");
    }
    double used = sample(now);
    long total = totalBytes;
    if (total > 0) {
      used += (double) writtenSinceSample.get() / total;
    }
    if (used > limit) {
      return new StorageFullException(String.format(
          "the disk holding %s is %.1f%% full, above the write limit of %.1f%%", settings.dir(), used * 100, limit * 100));
    }
    return null;
  }

  /** A write failed with "no space left": refuse writes until the next interval. */
  public void markFull() {
    long now = clock.millis();
    fullUntilMs = now + intervalMs;
    nextSampleMs = now;
  }

  private double sample(long now) {
    if (now >= nextSampleMs) {
      nextSampleMs = now + intervalMs;
      // Reset first: bytes written while the probe reads are counted twice rather than not at all.
      writtenSinceSample.set(0);
      try {
        totalBytes = probe.totalBytes();
        usedRatio = probe.usedRatio();
      } catch (IOException e) {
        log.warn("Cannot read the disk usage of {}: {}", settings.dir(), e.toString());
      }
    }
    return usedRatio;
  }

  /** Whether {@code failure} (or a cause) is the operating system's "no space left on device". */
  public static boolean isNoSpace(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof StorageFullException) {
        return true;
      }
      String message = t.getMessage();
      // The JDK reports ENOSPC as a plain IOException with the strerror text; nothing else carries it.
      if (t instanceof IOException && message != null && message.contains("No space left on device")) {
        return true;
      }
    }
    return false;
  }
}
