package io.sluice.gateway.replication;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.MessageStore;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * {@code GET /cluster/replication} on the management port: each broker group this node carries,
 * {@code {"groups":[{"group","role":"master"|"replica","epoch","logEnd","commitPosition","minPosition",
 * ...}]}}; a master adds {@code "replicas":[{"replicaId","confirmedPosition","lagBytes","inSync"}]},
 * a replica {@code "master"} (the address it fetches from, null while it has none) and {@code
 * "fetchedPosition"}. Registered under {@code pekko.management.http.routes}; read-only.
 */
public final class ReplicationRoute implements ManagementRouteProvider {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;

  public ReplicationRoute(ExtendedActorSystem system) {
    this.system = Adapter.toTyped(system);
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return Directives.pathPrefix("cluster", () -> Directives.path("replication", () -> Directives.get(() ->
        Directives.extractRequest(request ->
            Directives.complete(HttpEntities.create(ContentTypes.APPLICATION_JSON, render()))))));
  }

  String render() {
    ArrayNode groups = JSON.createArrayNode();
    ReplicationStatus.get(system).groups().values().forEach(view -> {
      MessageStore store = view.store();
      long end = store.confirmedPosition();
      ObjectNode g = groups.addObject()
          .put("group", view.group())
          .put("role", view.isMaster() ? "master" : "replica")
          .put("epoch", store.epochs().last().map(Epoch::epoch).orElse(0L))
          .put("logEnd", end)
          .put("commitPosition", store.commits().commitPosition())
          .put("minPosition", store.minPosition());
      if (view.isMaster()) {
        ArrayNode replicas = g.putArray("replicas");
        view.replicas().forEach(r -> replicas.addObject()
            .put("replicaId", r.replicaId())
            .put("confirmedPosition", r.confirmedPosition())
            .put("lagBytes", Math.max(0, end - r.confirmedPosition()))
            .put("inSync", r.inSync()));
      } else {
        g.put("master", view.master().isEmpty() ? null : view.master());
        g.put("fetchedPosition", view.fetchedPosition());
      }
    });
    ObjectNode root = JSON.createObjectNode();
    root.set("groups", groups);
    return root.toString();
  }
}
