package io.sluice.persistence.store;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The store's configuration, read once from a journal plugin block (see {@code reference.conf},
 * {@code sluice.persistence.journal}).
 */
public record StoreSettings(
    Path dir,
    long segmentSizeBytes,
    FlushMode flushMode,
    Duration flushInterval,
    Duration checkpointInterval,
    int writeBufferBytes,
    int maxRecordBytes,
    int consumeQueueEntriesPerFile,
    int indexSlotCount,
    int indexMaxEntries,
    String filterTagPrefix,
    String keyTagPrefix,
    String messageIdTagPrefix,
    Duration retentionTime,
    double diskUsageRatio,
    Duration retentionCheckInterval,
    List<String> expendableIdPrefixes,
    double diskMaxUsedRatio,
    double diskHardMaxUsedRatio,
    Duration diskCheckInterval,
    ReplicationSettings replication) {

  /** Smallest segment that holds a maximal header plus a little payload. */
  public static final long MIN_SEGMENT_SIZE = 4096;

  public StoreSettings {
    if (segmentSizeBytes < MIN_SEGMENT_SIZE) {
      throw new IllegalArgumentException(
          "segment-size must be at least " + MIN_SEGMENT_SIZE + " bytes, was " + segmentSizeBytes);
    }
    if (maxRecordBytes > segmentSizeBytes) {
      maxRecordBytes = (int) segmentSizeBytes;
    }
    if (diskUsageRatio < 0 || diskUsageRatio > 1) {
      throw new IllegalArgumentException("disk-usage-ratio must be within 0..1, was " + diskUsageRatio);
    }
    if (diskMaxUsedRatio < 0 || diskMaxUsedRatio > 1 || diskHardMaxUsedRatio < diskMaxUsedRatio
        || diskHardMaxUsedRatio > 1) {
      throw new IllegalArgumentException("disk-limits need 0 <= max-used-ratio <= hard-max-used-ratio <= 1, were "
          + diskMaxUsedRatio + " and " + diskHardMaxUsedRatio);
    }
    expendableIdPrefixes = List.copyOf(expendableIdPrefixes);
    if (consumeQueueEntriesPerFile < 1 || indexSlotCount < 1 || indexMaxEntries < 1) {
      throw new IllegalArgumentException("consume-queue and index sizes must be positive");
    }
  }

  /** Reads a journal plugin block such as {@code sluice.persistence.journal}. */
  public static StoreSettings fromConfig(Config c) {
    return new StoreSettings(
        Path.of(c.getString("dir")),
        c.getBytes("segment-size"),
        FlushMode.valueOf(c.getString("flush-mode").toUpperCase(Locale.ROOT)),
        c.getDuration("flush-interval"),
        c.getDuration("checkpoint-interval"),
        Math.toIntExact(c.getBytes("write-buffer-size")),
        Math.toIntExact(c.getBytes("max-record-size")),
        c.getInt("consume-queue.entries-per-file"),
        c.getInt("index.slot-count"),
        c.getInt("index.max-entries"),
        c.getString("tag-prefixes.filter"),
        c.getString("tag-prefixes.key"),
        c.getString("tag-prefixes.message-id"),
        c.getDuration("retention.time"),
        c.getDouble("retention.disk-usage-ratio"),
        c.getDuration("retention.check-interval"),
        c.getStringList("retention.expendable-id-prefixes"),
        c.getDouble("disk-limits.max-used-ratio"),
        c.getDouble("disk-limits.hard-max-used-ratio"),
        c.getDuration("disk-limits.check-interval"),
        ReplicationSettings.fromConfig(c.getConfig("replication")));
  }

  /** Whether {@code persistenceId} holds expendable data (messages): retention may drop its events. */
  public boolean isExpendable(String persistenceId) {
    for (int i = 0; i < expendableIdPrefixes.size(); i++) {
      if (persistenceId.startsWith(expendableIdPrefixes.get(i))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The reference defaults for a store in {@code dir}, overridden by HOCON text such as {@code
   * "segment-size = 64 KiB, flush-mode = sync"}; meant for tests and benchmarks.
   */
  public static StoreSettings of(Path dir, String overrides) {
    Config defaults = ConfigFactory.defaultReference().getConfig("sluice.persistence.journal");
    Config config =
        ConfigFactory.parseString(overrides)
            .withFallback(ConfigFactory.parseMap(java.util.Map.of("dir", dir.toString())))
            .withFallback(defaults);
    return fromConfig(config);
  }

  public Path commitLogDir() {
    return dir.resolve("commitlog");
  }

  public Path consumeQueueDir() {
    return dir.resolve("consumequeue");
  }

  public Path indexDir() {
    return dir.resolve("index");
  }

  public Path checkpointFile() {
    return dir.resolve("checkpoint");
  }

  /** Present only while the store is closed after a clean close ({@code MessageStore#lastStopClean}). */
  public Path cleanStopFile() {
    return dir.resolve("clean-stop");
  }

  /** The epoch history: one line "epoch start-position" per epoch. */
  public Path epochsFile() {
    return dir.resolve("epochs");
  }

  /** Where truncation keeps the records it cut off. */
  public Path divergentDir() {
    return dir.resolve("divergent");
  }
}
