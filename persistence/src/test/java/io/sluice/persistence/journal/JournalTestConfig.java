package io.sluice.persistence.journal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import java.nio.file.Path;

/**
 * The ActorSystem config of the journal and query tests: the Sluice journal is the default journal,
 * its store lives in {@code dir}, and there is no snapshot store.
 */
public final class JournalTestConfig {

  /** The journal plugin id, also the key of its store in {@link SluiceStores}. */
  public static final String JOURNAL_ID = "sluice.persistence.journal";

  private JournalTestConfig() {}

  public static Config create(Path dir) {
    String text =
        """
pekko.persistence.journal.plugin = "sluice.persistence.journal"
pekko.persistence.snapshot-store.plugin = "pekko.persistence.no-snapshot-store"
sluice.persistence.journal {
  dir = %s
  segment-size = 1 MiB
}
# the TCK subscribes to the journal's commands on the event stream
pekko.persistence.publish-plugin-commands = on
pekko.actor.serializers {
  journal-test-payload = "io.sluice.persistence.journal.TestPayloadSerializer"
  journal-test-counter = "io.sluice.persistence.journal.CounterEventSerializer"
}
pekko.actor.serialization-bindings {
  "io.sluice.persistence.journal.TestPayload" = journal-test-payload
  "io.sluice.persistence.journal.Counter$Event" = journal-test-counter
}
pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
# a shared 2-core machine is slow: the default 3 s expectations time out under load
pekko.test.single-expect-default = 20s
pekko.actor.testkit.typed.single-expect-default = 20s
pekko.actor.testkit.typed.system-shutdown-default = 30s
"""
            .formatted(ConfigUtil.quoteString(dir.toString()));
    return ConfigFactory.parseString(text).withFallback(ConfigFactory.load()).resolve();
  }
}
