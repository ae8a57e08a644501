package io.sluice.client.internal;

import io.sluice.protocol.v1.QueryRouteRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.pekko.event.LoggingAdapter;

/**
 * A producer's cache of topic routes. A route is fetched ({@code QueryRoute} on the client's current
 * endpoint) in the background the first time a topic is sent to, and again when it is used after
 * {@code refreshInterval} ({@link #ready} lets a synchronous send wait for the first fetch); until a route arrives, or when fetching it failed, {@link #route} gives
 * null and the producer sends through its current endpoint. A node that failed a stream is skipped
 * for {@code refreshInterval} ({@link #isSuspect}) and every cached route is fetched again; a
 * topic whose node answered NOT_MASTER loses its route until it is fetched again ({@link
 * #invalidate}). Thread-safe; never blocks.
 */
final class RouteCache {
  /** A topic's route (null: none known) and the fetch in flight (null: none). */
  private record Entry(TopicRoute route, long fetchedAtNanos, CompletableFuture<Void> fetching) {}

  private final ClientContext context;
  private final long refreshNanos;
  private final LongSupplier clock;
  private final LoggingAdapter log;
  private final Map<String, Entry> byTopic = new ConcurrentHashMap<>();
  private final Map<EndpointPool.Address, Long> suspectUntilNanos = new ConcurrentHashMap<>();

  RouteCache(ClientContext context, Duration refreshInterval, LongSupplier clock) {
    this.context = context;
    this.refreshNanos = refreshInterval.toNanos();
    this.clock = clock;
    this.log = context.log(RouteCache.class);
  }

  /**
   * The cached route of {@code topic}, fetching it when missing or older than the refresh interval.
   *
   * @param topic a topic name
   * @return its route, or null when none is known (yet)
   */
  TopicRoute route(String topic) {
    long now = clock.getAsLong();
    Entry e = byTopic.get(topic);
    if (e == null || (e.fetching() == null && now - e.fetchedAtNanos() >= refreshNanos)) {
      fetch(topic, e, now);
    }
    return e == null ? null : e.route();
  }

  /**
   * Completes when {@code topic} has a route or fetching it has failed: at once when one is cached.
   *
   * @param topic a topic name
   * @return never fails
   */
  CompletionStage<Void> ready(String topic) {
    if (route(topic) != null) {
      return CompletableFuture.completedFuture(null);
    }
    Entry e = byTopic.get(topic);
    return e == null || e.fetching() == null ? CompletableFuture.completedFuture(null) : e.fetching();
  }

  /**
   * Whether direct sends to {@code address} are suspended after a failure.
   *
   * @param address a node's gRPC address
   * @return true within the refresh interval after it failed
   */
  boolean isSuspect(EndpointPool.Address address) {
    Long until = suspectUntilNanos.get(address);
    if (until == null) {
      return false;
    }
    if (clock.getAsLong() - until >= 0) {
      suspectUntilNanos.remove(address, until);
      return false;
    }
    return true;
  }

  /**
   * Records that a node failed a stream: sends avoid it for the refresh interval and every cached
   * route is fetched again.
   *
   * @param address the node's gRPC address
   */
  void nodeFailed(EndpointPool.Address address) {
    long now = clock.getAsLong();
    suspectUntilNanos.put(address, now + refreshNanos);
    byTopic.forEach((topic, e) -> {
      if (e.fetching() == null) {
        fetch(topic, e, now);
      }
    });
  }

  /**
   * Forgets {@code topic}'s route and fetches it again: a node it named answered NOT_MASTER (the
   * queue's broker group has a new master). Sends of the topic go through the current endpoint
   * until the new route arrives.
   *
   * @param topic a topic name
   */
  void invalidate(String topic) {
    Entry e = byTopic.get(topic);
    if (e == null || e.route() == null) {
      return;
    }
    Entry cleared = new Entry(null, e.fetchedAtNanos(), e.fetching());
    if (byTopic.replace(topic, e, cleared) && cleared.fetching() == null) {
      fetch(topic, cleared, clock.getAsLong());
    }
  }

  private void fetch(String topic, Entry previous, long now) {
    TopicRoute kept = previous == null ? null : previous.route();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Entry fetching = new Entry(kept, previous == null ? now : previous.fetchedAtNanos(), done);
    boolean claimed = previous == null
        ? byTopic.putIfAbsent(topic, fetching) == null
        : byTopic.replace(topic, previous, fetching);
    if (!claimed) {
      return; // another caller fetches it
    }
    try {
      context.pool().current().messaging()
          .queryRoute(QueryRouteRequest.newBuilder().setTopic(topic).build())
          .whenComplete((response, failure) -> {
            long at = clock.getAsLong();
            if (failure == null) {
              byTopic.put(topic, new Entry(TopicRoute.of(response), at, null));
            } else {
              // sends go through the current endpoint meanwhile; asked again after the interval
              log.debug("route of topic {} not fetched: {}", topic, failure.toString());
              byTopic.put(topic, new Entry(kept, at, null));
            }
            done.complete(null);
          });
    } catch (RuntimeException closing) {
      byTopic.put(topic, new Entry(kept, now, null));
      done.complete(null);
    }
  }
}
