package io.sluice.persistence.snapshot;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import java.nio.file.Path;

/**
 * The ActorSystem config of the snapshot store tests: everything on disk lives under {@code dir}.
 */
final class SnapshotTestConfig {

  /** A second plugin id over its own directory, so a test can start a store on prepared files. */
  static final String OTHER_STORE = "snapshot-test.other-store";

  private SnapshotTestConfig() {}

  static Path mainDir(Path dir) {
    return dir.resolve("main");
  }

  static Path otherDir(Path dir) {
    return dir.resolve("other");
  }

  static Config create(Path dir) {
    String text =
        """
pekko.persistence.journal.plugin = "pekko.persistence.journal.inmem"
pekko.persistence.snapshot-store.plugin = "sluice.persistence.snapshot-store"
sluice.persistence.snapshot-store.dir = %s
snapshot-test.other-store = ${sluice.persistence.snapshot-store} { dir = %s }
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
                ConfigUtil.quoteString(mainDir(dir).toString()),
                ConfigUtil.quoteString(otherDir(dir).toString()));
    return ConfigFactory.parseString(text).withFallback(ConfigFactory.load()).resolve();
  }
}
