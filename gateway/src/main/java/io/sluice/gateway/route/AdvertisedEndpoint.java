package io.sluice.gateway.route;

import com.typesafe.config.Config;

/** The {@code host:port} clients are told to reach this node's gRPC server at (read once at startup). */
public final class AdvertisedEndpoint {
  private AdvertisedEndpoint() {}

  /**
   * {@code sluice.gateway.grpc.advertised-host}, or the bound interface when it is empty, with the
   * bound port.
   */
  public static String of(Config root, int boundPort) {
    String host = root.getString("sluice.gateway.grpc.advertised-host");
    if (host.isEmpty()) {
      host = root.getString("sluice.gateway.grpc.interface");
    }
    // an IPv6 literal needs brackets before the port
    return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + boundPort;
  }
}
