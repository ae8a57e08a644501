package io.sluice.persistence.snapshot;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import java.nio.file.Path;

/**
 * The ActorSystem config of the log snapshot store tests: the Sluice journal's store in {@code
 * dir/store} holds the snapshots; {@code dir/files} is the file store directory imported at start.
 */
final class LogSnapshotTestConfig {

  private LogSnapshotTestConfig() {}

  static Path storeDir(Path dir) {
    return dir.resolve("store");
  }

  static Path importDir(Path dir) {
    return dir.resolve("files");
  }

  /** @param journalSettings HOCON for the journal block, e.g. {@code "max-record-size = 4 KiB"} */
  static Config create(Path dir, String journalSettings) {
    String text =
        """
pekko.persistence.journal.plugin = "sluice.persistence.journal"
pekko.persistence.snapshot-store.plugin = "sluice.persistence.log-snapshot-store"
sluice.persistence.journal {
  dir = %s
  segment-size = 1 MiB
  %s
}
sluice.persistence.log-snapshot-store.import-dir = %s
pekko.persistence.publish-plugin-commands = on
pekko.actor.serializers.snapshot-test = "io.sluice.persistence.snapshot.ProbePayloadSerializer"
pekko.actor.serialization-bindings {
  "io.sluice.persistence.snapshot.ProbePayload" = snapshot-test
}
pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
# a shared 2-core machine is slow: the default 3 s expectation timed out under load
pekko.test.single-expect-default = 15s
"""
            .formatted(
                ConfigUtil.quoteString(storeDir(dir).toString()),
                journalSettings,
                ConfigUtil.quoteString(importDir(dir).toString()));
    return ConfigFactory.parseString(text).withFallback(ConfigFactory.load()).resolve();
  }
}
