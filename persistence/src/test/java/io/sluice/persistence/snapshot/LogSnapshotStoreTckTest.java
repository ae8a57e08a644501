package io.sluice.persistence.snapshot;

import com.typesafe.config.Config;
import java.nio.file.Path;

/**
 * The snapshot store TCK ({@link SnapshotStoreTck}) on {@link LogSnapshotStore}, with records of at
 * most 4 KiB so that the TCK's 10,000-byte snapshot is cut into chunks.
 */
class LogSnapshotStoreTckTest extends SnapshotStoreTck {
  @Override
  Config config(Path dir) {
    return LogSnapshotTestConfig.create(dir, "max-record-size = 4 KiB");
  }
}
