package io.sluice.gateway.route;

import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Where each node serves gRPC: every node writes its advertised endpoint ({@code host:port}) under
 * its cluster address into one Distributed Data map once it serves clients, and keeps a local copy
 * of the whole map, so routes are answered without asking anyone. An entry is keyed by address, not
 * by broker group: readers join it with current membership (the member's role names its group), so
 * the entry of a member that left is ignored, and a node restarted on the same address overwrites
 * its own. Thread-safe: {@link #endpointsByAddress()} reads a published immutable map.
 */
public final class EndpointDirectory {
  static final Key<LWWMap<String, String>> KEY = LWWMapKey.create("sluice-gateway-endpoints");
  // A lost local write is rewritten at this interval, and a directory that missed gossip converges.
  private static final Duration REPUBLISH_INTERVAL = Duration.ofSeconds(30);

  private volatile Map<String, String> byAddress = Map.of();

  private EndpointDirectory() {}

  /**
   * Starts publishing {@code selfEndpoint} for this node and following every node's entry.
   *
   * @param system the node's actor system (cluster provider)
   * @param selfEndpoint this node's advertised gRPC endpoint, {@code host:port}
   */
  public static EndpointDirectory start(ActorSystem<?> system, String selfEndpoint) {
    EndpointDirectory directory = new EndpointDirectory();
    // seen locally at once: a route asked right after startup still names this node
    directory.byAddress = Map.of(selfAddress(system), selfEndpoint);
    system.systemActorOf(directory.behavior(selfEndpoint), "endpoint-directory", Props.empty());
    return directory;
  }

  /** Endpoints by cluster address ({@code Address.toString()}), members that left included. */
  public Map<String, String> endpointsByAddress() {
    return byAddress;
  }

  static String selfAddress(ActorSystem<?> system) {
    return Cluster.get(system).selfMember().address().toString();
  }

  private sealed interface Command {}

  private record Publish() implements Command {}

  private record Changed(Replicator.SubscribeResponse<LWWMap<String, String>> response) implements Command {}

  private record Written(Replicator.UpdateResponse<LWWMap<String, String>> response) implements Command {}

  private Behavior<Command> behavior(String selfEndpoint) {
    return Behaviors.setup(ctx -> DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Command, LWWMap<String, String>> replicator) -> {
          SelfUniqueAddress self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
          String address = selfAddress(ctx.getSystem());
          replicator.subscribe(KEY, Changed::new);
          return Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(new Publish(), Duration.ZERO, REPUBLISH_INTERVAL);
            return Behaviors.receive(Command.class)
                .onMessage(Publish.class, p -> {
                  replicator.askUpdate(
                      replyTo -> new Replicator.Update<>(KEY, LWWMap.empty(), Replicator.writeLocal(), replyTo,
                          map -> selfEndpoint.equals(map.getEntries().get(address)) ? map : map.put(self, address, selfEndpoint)),
                      Written::new);
                  return Behaviors.same();
                })
                .onMessage(Changed.class, c -> {
                  if (c.response() instanceof Replicator.Changed<LWWMap<String, String>> changed) {
                    byAddress = Map.copyOf(changed.get(KEY).getEntries());
                  }
                  return Behaviors.same();
                })
                .onMessage(Written.class, w -> {
                  if (!(w.response() instanceof Replicator.UpdateSuccess)) {
                    ctx.getLog().warn("Publishing this node's gRPC endpoint failed ({}); retried in {}", w.response(), REPUBLISH_INTERVAL);
                  }
                  return Behaviors.same();
                })
                .build();
          });
        }));
  }
}
