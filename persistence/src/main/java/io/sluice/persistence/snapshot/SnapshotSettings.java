package io.sluice.persistence.snapshot;

import com.typesafe.config.Config;
import java.nio.file.Path;

/**
 * The snapshot store's configuration, read once from its plugin block (see {@code reference.conf},
 * {@code sluice.persistence.snapshot-store}).
 *
 * @param dir directory holding one file per snapshot; relative paths resolve against the working
 *     directory
 * @param pluginDispatcher id of the dispatcher that runs the blocking file I/O
 * @param maxLoadAttempts how many of the newest matching snapshots a load tries before failing
 */
public record SnapshotSettings(Path dir, String pluginDispatcher, int maxLoadAttempts) {

  public SnapshotSettings {
    if (maxLoadAttempts < 1) {
      throw new IllegalArgumentException(
          "max-load-attempts must be at least 1, was " + maxLoadAttempts);
    }
  }

  /** Reads a plugin block such as {@code sluice.persistence.snapshot-store}. */
  public static SnapshotSettings fromConfig(Config config) {
    return new SnapshotSettings(
        Path.of(config.getString("dir")),
        config.getString("plugin-dispatcher"),
        config.getInt("max-load-attempts"));
  }
}
