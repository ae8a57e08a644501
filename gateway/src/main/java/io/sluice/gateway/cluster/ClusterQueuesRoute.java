package io.sluice.gateway.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.placement.GroupServers;
import io.sluice.actors.placement.GroupAvailability;
import io.sluice.actors.topic.TopicConfig;
import java.util.Comparator;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * {@code GET /cluster/queues} on the management port: every topic's queues with their broker
 * group, the address of the node serving that group (from this node's view of membership and of
 * the replica controller's decisions: a replicated group's ACTIVE master; null when none is up or
 * the group is not ACTIVE, or for a queue without a group) and whether the queue is available. Registered
 * under {@code pekko.management.http.routes} (application.conf); read-only.
 */
public final class ClusterQueuesRoute implements ManagementRouteProvider {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;
  private final GroupServers servers;
  private final GroupAvailability availability;

  public ClusterQueuesRoute(ExtendedActorSystem system) {
    this.system = Adapter.toTyped(system);
    this.servers = new GroupServers(Cluster.get(system)::state, GroupMasters.get(this.system));
    this.availability = new GroupAvailability(this.system);
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return Directives.pathPrefix("cluster", () -> Directives.path("queues", () -> Directives.get(() ->
        // extractRequest runs per request, so every answer reflects the membership of its moment
        Directives.extractRequest(request ->
            Directives.complete(HttpEntities.create(ContentTypes.APPLICATION_JSON, render()))))));
  }

  String render() {
    ArrayNode topics = JSON.createArrayNode();
    NodeCatalog.get(system).catalog().snapshot().byName().values().stream()
        .sorted(Comparator.comparing(TopicConfig::name))
        .forEach(topic -> {
          ObjectNode t = topics.addObject().put("topic", topic.name());
          ArrayNode queues = t.putArray("queues");
          for (int q = 0; q < topic.queueCount(); q++) {
            String group = topic.brokerGroupOf(q);
            ObjectNode queue = queues.addObject().put("queueId", q).put("brokerGroup", group);
            queue.put("node", group.isEmpty() ? null
                : servers.upMemberOf(group).map(member -> member.address().toString()).orElse(null));
            queue.put("available", availability.isAvailable(group));
          }
        });
    ObjectNode root = JSON.createObjectNode();
    root.set("topics", topics);
    return root.toString();
  }
}
