package io.sluice.persistence.snapshot;

import com.typesafe.config.Config;
import java.nio.file.Path;

/** The snapshot store TCK ({@link SnapshotStoreTck}) on {@link FileSnapshotStore}. */
class FileSnapshotStoreTckTest extends SnapshotStoreTck {
  @Override
  Config config(Path dir) {
    return SnapshotTestConfig.create(dir);
  }
}
