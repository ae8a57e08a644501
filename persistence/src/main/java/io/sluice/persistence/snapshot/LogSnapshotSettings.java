package io.sluice.persistence.snapshot;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The log snapshot store's configuration, read once from its plugin block (see {@code
 * reference.conf}, {@code sluice.persistence.log-snapshot-store}).
 *
 * @param journalPluginId the journal plugin whose store holds the snapshots
 * @param pluginDispatcher id of the dispatcher that runs serialization and blocking reads
 * @param maxLoadAttempts how many of the newest matching snapshots a load tries before failing
 * @param importDir a file snapshot store's directory whose snapshots are moved into the log when
 *     the store starts; empty for none
 */
public record LogSnapshotSettings(
    String journalPluginId, String pluginDispatcher, int maxLoadAttempts, Optional<Path> importDir) {

  public LogSnapshotSettings {
    if (maxLoadAttempts < 1) {
      throw new IllegalArgumentException(
          "max-load-attempts must be at least 1, was " + maxLoadAttempts);
    }
  }

  /** Reads a plugin block such as {@code sluice.persistence.log-snapshot-store}. */
  public static LogSnapshotSettings fromConfig(Config config) {
    String importDir = config.getString("import-dir");
    return new LogSnapshotSettings(
        config.getString("journal-plugin-id"),
        config.getString("plugin-dispatcher"),
        config.getInt("max-load-attempts"),
        importDir.isEmpty() ? Optional.empty() : Optional.of(Path.of(importDir)));
  }
}
