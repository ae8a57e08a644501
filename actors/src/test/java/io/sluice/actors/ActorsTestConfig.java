package io.sluice.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import java.nio.file.Path;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * The ActorSystem config of the actors' tests: a one-node cluster on a free port, the real Sluice
 * journal, snapshot store (snapshots as records in the journal's store, as on a node) and read
 * journal with their files under {@code dir}, the registries'
 * durable Distributed Data in {@code dir/registry}, and timeouts for a slow shared machine; every
 * message is serialized ({@code serialize-messages}). Nothing comes from the main {@code application.conf} (there is none in this
 * module; the reference.conf files of the actors and persistence modules apply).
 */
public final class ActorsTestConfig {

  /** The read journal the Queue and GroupQueue are given, as the node gives them. */
  public static final String READ_JOURNAL = "sluice.persistence.query";

  public static final String JOURNAL = "sluice.persistence.journal";

  private ActorsTestConfig() {}

  public static Config create(Path dir) {
    String text =
        """
pekko.actor.provider = cluster
# every message sent between actors is serialized and deserialized, as if it crossed nodes
pekko.actor.serialize-messages = on
pekko.remote.artery.canonical.hostname = "127.0.0.1"
pekko.remote.artery.canonical.port = 0
pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
pekko.cluster.downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
pekko.coordinated-shutdown.terminate-actor-system = on
pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
pekko.persistence.journal.plugin = "sluice.persistence.journal"
pekko.persistence.snapshot-store.plugin = "sluice.persistence.log-snapshot-store"
sluice.persistence.journal {
  dir = %s
  segment-size = 8 MiB
  # as on a node: retention drops message logs only, snapshots and other state are carried forward
  retention.expendable-id-prefixes = ["queue|"]
}
# the registries' Distributed Data, as the node sets it (gateway application.conf)
pekko.cluster.distributed-data {
  durable.keys = ["sluice-topics", "sluice-retry-policies"]
  durable.store-actor-class = "io.sluice.actors.registry.FileDurableStore"
  durable.sluice-store.dir = %s
  notify-subscribers-interval = 100 ms
  gossip-interval = 1 s
}
pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
pekko.loglevel = INFO
# a shared 2-core machine is slow: the default 3 s expectations time out under load
pekko.actor.testkit.typed.single-expect-default = 10s
pekko.actor.testkit.typed.system-shutdown-default = 30s
"""
            .formatted(
                ConfigUtil.quoteString(dir.resolve("store").toString()),
                ConfigUtil.quoteString(dir.resolve("registry").toString()));
    return ConfigFactory.parseString(text).withFallback(ConfigFactory.load()).resolve();
  }

  /** Makes {@code system} a one-node cluster, which sharding and the singleton need. */
  public static void joinSelf(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
  }
}
