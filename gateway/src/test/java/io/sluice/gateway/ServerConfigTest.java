package io.sluice.gateway;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the shipped node configuration promises its long-lived gRPC streams. */
class ServerConfigTest {
  @Test
  void silentConnectionsWithOpenStreamsArePingedBeforeTheIdleTimeoutClosesThem() {
    // Without pings the server closed a silent TransactionChecks stream after 61 s (seen in a probe);
    // with them it stayed open past 100 s.
    Config http = ConfigFactory.load(ConfigFactory.parseResourcesAnySyntax("application")).getConfig("pekko.http.server");
    Duration idle = http.getDuration("idle-timeout");
    Duration ping = http.getDuration("http2.ping-interval");
    assertTrue(!ping.isZero() && ping.compareTo(idle) < 0, "ping-interval " + ping + " vs idle-timeout " + idle);
    assertTrue(http.getDuration("http2.ping-timeout").compareTo(idle.minus(ping)) < 0,
        "a lost ping must fail the connection before the idle timeout would");
  }

  @Test
  void theLargestAppendOrPulledBatchFitsInOneArteryFrame() {
    Config node = ConfigFactory.load(ConfigFactory.parseResourcesAnySyntax("application"));
    GatewaySettings settings = GatewaySettings.from(node);
    long frame = node.getBytes(GatewaySettings.LARGE_FRAME_KEY);
    assertTrue(frame >= settings.maxInboundMessageSize() + GatewaySettings.ARTERY_ENVELOPE_BYTES, "frame " + frame);
    // Artery's default (2 MiB) would drop a large append: the node refuses to start with it
    Config small = ConfigFactory.parseString(GatewaySettings.LARGE_FRAME_KEY + " = 2 MiB").withFallback(node);
    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> GatewaySettings.from(small));
    assertTrue(refused.getMessage().contains(GatewaySettings.LARGE_FRAME_KEY), refused.getMessage());
  }

  @Test
  void queueCommandsAndAskRepliesTakeTheLargeMessageStream() {
    Config artery = ConfigFactory.load(ConfigFactory.parseResourcesAnySyntax("application"))
        .getConfig("pekko.remote.artery");
    assertTrue(artery.getStringList("large-message-destinations").containsAll(List.of(
        "/system/sharding/Queue", "/system/sharding/DelayTimer", "/system/sharding/QueueTransactions", "/temp/*")));
  }
}
