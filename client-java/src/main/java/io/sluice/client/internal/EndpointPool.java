package io.sluice.client.internal;

import io.sluice.protocol.v1.AdminServiceClient;
import io.sluice.protocol.v1.MessagingServiceClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.grpc.GrpcChannel;
import org.apache.pekko.grpc.GrpcClientSettings;

/**
 * The configured gateways and one gRPC channel (one HTTP/2 connection) per gateway, opened on first
 * use. One endpoint is current; {@link #failover} moves to the next when a call found the current
 * one unavailable. Nodes named by routes but not configured get channels too ({@link #at}); they
 * are never current. Thread-safe.
 */
public final class EndpointPool {
  /**
   * Largest gRPC message the client accepts (grpc-java's default is 4 MiB, less than one
   * delivery of a maximum-size message). A {@code Deliveries} frame or {@code Receive} reply holds
   * at most the broker's {@code max-delivery-batch-bytes} (4 MiB) of messages, or one message
   * above that (a body of up to {@code max-message-size}, 4 MiB, plus its keys and properties); 64
   * MiB leaves room for a broker configured with larger messages and for message lookups, whose
   * replies are bounded by their message count only.
   */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 64 << 20;

  /**
   * A parsed {@code host:port}.
   *
   * @param host the host name or address
   * @param port the TCP port
   */
  public record Address(String host, int port) {
    /**
     * Parses {@code host:port} ({@code [v6-address]:port} for IPv6).
     *
     * @param hostPort the text
     * @return the address
     * @throws IllegalArgumentException if it is not {@code host:port}
     */
    public static Address parse(String hostPort) {
      int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
      if (colon <= 0 || colon == hostPort.length() - 1) {
        throw new IllegalArgumentException("endpoint must be host:port: " + hostPort);
      }
      String host = hostPort.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      try {
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        if (port <= 0 || port > 65535) {
          throw new IllegalArgumentException("port out of range in endpoint " + hostPort);
        }
        return new Address(host, port);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("endpoint must be host:port: " + hostPort, e);
      }
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /**
   * One gateway with its channel and stubs.
   *
   * @param index position in the configured list; -1 for a node known from a route only
   * @param address where it is
   * @param channel the shared channel
   * @param messaging the messaging stub
   * @param admin the admin stub
   */
  public record Endpoint(
      int index,
      Address address,
      GrpcChannel channel,
      MessagingServiceClient messaging,
      AdminServiceClient admin) {}

  private final List<Address> addresses;
  private final Endpoint[] endpoints;
  private final Map<Address, Endpoint> routed = new HashMap<>();
  private final AtomicInteger current = new AtomicInteger();
  private final boolean tls;
  private final DeadlineInterceptor deadlines;
  private final ActorSystem system;
  private final LoggingAdapter log;
  private boolean closed;

  EndpointPool(List<String> hostPorts, boolean tls, Duration requestTimeout, ActorSystem system) {
    List<Address> parsed = new ArrayList<>();
    for (String hp : hostPorts) {
      parsed.add(Address.parse(hp));
    }
    this.addresses = List.copyOf(parsed);
    this.endpoints = new Endpoint[addresses.size()];
    this.tls = tls;
    this.deadlines = new DeadlineInterceptor(requestTimeout);
    this.system = system;
    this.log = Logging.getLogger(system, EndpointPool.class);
  }

  /**
   * The endpoint calls should use now, connecting it if needed.
   *
   * @return the current endpoint
   * @throws IllegalStateException if the pool is closed
   */
  public Endpoint current() {
    return endpoint(current.get());
  }

  /**
   * Moves to the next endpoint after {@code failed} was found unavailable, unless another caller
   * moved already.
   *
   * @param failed the endpoint whose call failed with {@code UNAVAILABLE}
   */
  public void failover(Endpoint failed) {
    int n = addresses.size();
    if (n > 1 && current.compareAndSet(failed.index(), (failed.index() + 1) % n)) {
      log.warning(
          "gateway {} unavailable; switching to {}",
          failed.address(),
          addresses.get((failed.index() + 1) % n));
    }
  }

  /**
   * The endpoint at {@code address}, connecting it if needed: the configured one if it is
   * configured, else one opened for routes (outside the failover cycle).
   *
   * @param address a gateway's address
   * @return its endpoint
   * @throws IllegalStateException if the pool is closed
   */
  public Endpoint at(Address address) {
    int configured = addresses.indexOf(address);
    if (configured >= 0) {
      return endpoint(configured);
    }
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the SluiceClient is closed");
      }
      return routed.computeIfAbsent(address, a -> connect(-1, a));
    }
  }

  private synchronized Endpoint endpoint(int i) {
    if (closed) {
      throw new IllegalStateException("the SluiceClient is closed");
    }
    Endpoint e = endpoints[i];
    if (e == null) {
      e = connect(i, addresses.get(i));
      endpoints[i] = e;
    }
    return e;
  }

  private Endpoint connect(int i, Address a) {
    GrpcClientSettings settings =
        GrpcClientSettings.connectToServiceAt(a.host(), a.port(), system)
            .withTls(tls)
            // Keep reconnecting instead of closing the channel for good after 20 failures: the
            // gateway may come back, and failover decides which endpoint is used meanwhile.
            .withConnectionAttempts(-1)
            // No gzip: message bodies are usually incompressible and the broker would otherwise
            // compress every response (one compressor per message) because the client offers it.
            .withChannelBuilderOverrides(b -> b.intercept(deadlines)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .decompressorRegistry(io.grpc.DecompressorRegistry.emptyInstance().with(io.grpc.Codec.Identity.NONE, false)));
    GrpcChannel channel = GrpcChannel.apply(settings, system);
    log.debug("opened channel to gateway {}", a);
    return new Endpoint(
        i,
        a,
        channel,
        MessagingServiceClient.create(channel, system),
        AdminServiceClient.create(channel, system));
  }

  /**
   * Closes every opened channel, waiting up to {@code timeout} in all.
   *
   * @param timeout the bound
   */
  void close(Duration timeout) {
    List<CompletionStage<?>> closing = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (Endpoint e : endpoints) {
        if (e != null) {
          closing.add(e.channel().closeCS());
        }
      }
      for (Endpoint e : routed.values()) {
        closing.add(e.channel().closeCS());
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (CompletionStage<?> c : closing) {
      long left = Math.max(0, deadline - System.nanoTime());
      Blocking.awaitQuietly(c, Duration.ofNanos(left));
    }
  }
}
