package io.sluice.gateway;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;

/**
 * An in-process node on free ports with its data in {@code dir}; every message between its actors is
 * serialized and deserialized ({@code serialize-messages}), as if it crossed nodes.
 */
final class TestNode {
  private TestNode() {}

  static BrokerNode start(Path dir, String overrides) throws Exception {
    // application.conf is resolved together with the overrides, so ${sluice.data-dir} follows dir.
    return BrokerNode.start(ConfigFactory.load(ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseString(
            "sluice.data-dir = \"" + dir.toString().replace("\\", "/") + "\"\n"
                + "sluice.gateway.grpc.port = 0\n"
                + "pekko.management.http.port = 0\n"
                + "pekko.remote.artery.canonical.port = 0\n"
                + "pekko.coordinated-shutdown.exit-jvm = off\n"
                + "pekko.actor.serialize-messages = on\n"))
        .withFallback(ConfigFactory.parseResourcesAnySyntax("application"))));
  }
}
