package io.sluice.gateway.replication;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.actors.controller.ControllerSettings;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.GroupState;
import io.sluice.actors.controller.ReplicaController;
import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreRole;
import java.time.Duration;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replication over the management port (registered under {@code pekko.management.http.routes}).
 *
 * <ul>
 *   <li>{@code GET /cluster/replication}: each broker group this node carries, {@code
 *       {"groups":[{"group","role":"master"|"replica","epoch","logEnd","commitPosition","minPosition",
 *       "controller":{"status","master","epoch","inSync"}, ...}]}} ({@code controller} is the latest
 *       decision this node saw, null before any); a master adds {@code "inSync"} (the replicas in
 *       its commit tracker's set) and {@code "replicas":[{"replicaId","confirmedPosition","lagBytes",
 *       "inSync","lastFetchAgeMillis","stale"}]} (stale: not fetched within {@code replica-max-lag}), a replica {@code "master"} (the address it fetches from, null while it has
 *       none) and {@code "fetchedPosition"}.
 *   <li>{@code POST /cluster/replication/{group}/switch}, on any node: a planned switch of the
 *       group's master to its in-sync replica furthest ahead, once that replica holds the whole log
 *       ({@link GroupReplica.SwitchAway}: writes wait meanwhile, refused {@code NOT_MASTER}); refused
 *       when the replica does not catch up within the replication {@code timeout} (writes resume).
 *       A node that does not master the group (as its view of the controller's decisions shows)
 *       forwards the request over the cluster to the {@link SwitchDesk} of the ACTIVE master's node
 *       and answers what that node answers; 409 when the group has no ACTIVE master.
 *   <li>{@code POST /cluster/replication/{group}/force-master?replica=<id>&reason=<text>}: elects
 *       {@code replica} even if it is not in sync ({@link ReplicaController.ForceUncleanMaster});
 *       records only the old in-sync set held may be lost. The reason is required; the controller
 *       logs the decision at WARN as {@code AUDIT}, and this node logs the request.
 * </ul>
 *
 * Both POSTs answer 200 with the decision ({@code {"group","master","epoch","inSync","status"}}),
 * 409 {@code {"error"}} when refused (by the controller, or for a switch as above) or no majority
 * confirmed it in time (outcome unknown), 404 for a group that is not replicated, 400 without a
 * reason, 503 when the controller (for a switch: this node's replica actor, or the master's node it
 * was forwarded to) did not answer, or the master's node is unreachable or has no switch desk. {@code
 * force-master} needs no forwarding: the controller is a cluster singleton any node reaches.
 */
public final class ReplicationRoute implements ManagementRouteProvider {
  private static final Logger log = LoggerFactory.getLogger(ReplicationRoute.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;

  public ReplicationRoute(ExtendedActorSystem system) {
    this.system = Adapter.toTyped(system);
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return Directives.pathPrefix("cluster", () -> Directives.pathPrefix("replication", () -> Directives.concat(
        Directives.pathEnd(() -> Directives.get(() ->
            Directives.complete(HttpEntities.create(ContentTypes.APPLICATION_JSON, render())))),
        Directives.path(PathMatchers.segment().slash("switch"), group -> Directives.post(() ->
            Directives.completeWithFuture(switchAway(group)))),
        Directives.path(PathMatchers.segment().slash("force-master"), group -> Directives.post(() ->
            Directives.parameter("replica", replica -> Directives.parameterOptional("reason", reason ->
                Directives.completeWithFuture(force(group, replica, reason)))))))));
  }

  private CompletionStage<HttpResponse> force(String group, String replica, Optional<String> reason) {
    if (reason.map(String::isBlank).orElse(true)) {
      return CompletableFuture.completedFuture(json(StatusCodes.BAD_REQUEST,
          error("force-master needs a reason (it is audited)")));
    }
    log.warn("Operator asks to force replica '{}' as master of group '{}' (reason: {})", replica, group, reason.get());
    return decide(group, replyTo -> new ReplicaController.ForceUncleanMaster(group, replica, reason.get(), replyTo));
  }

  private CompletionStage<HttpResponse> switchAway(String group) {
    GroupMasters masters = GroupMasters.get(system);
    if (!masters.isReplicated(group)) {
      return notReplicated(group);
    }
    Optional<Address> master = masters.activeMasterOf(group);
    Address self = Cluster.get(system).selfMember().address();
    if (master.isPresent() && !master.get().equals(self)) {
      return forward(group, master.get());
    }
    Optional<ActorRef<GroupReplica.Command>> replica = ReplicationStatus.get(system).replicaOf(group);
    if (replica.isEmpty()) {
      return CompletableFuture.completedFuture(json(StatusCodes.CONFLICT, error("group '" + group
          + "' has no ACTIVE master to switch away from ("
          + masters.stateOf(group).map(s -> s.status().name()).orElse("no decision yet") + ")")));
    }
    // this node's replica switches if it masters the group, else refuses naming the master
    return answer(AskPattern.ask(replica.get(), GroupReplica.SwitchAway::new, switchTimeout(), system.scheduler()));
  }

  /**
   * Asks the switch desk of {@code master}'s node, found through the receptionist, and answers what
   * the master answers; 503 saying why when the master's node is unreachable, has no desk
   * registered, or does not answer.
   */
  private CompletionStage<HttpResponse> forward(String group, Address master) {
    String on = "the master of '" + group + "' on " + master;
    boolean unreachable = Cluster.get(system).state().getUnreachable().stream()
        .anyMatch(member -> member.address().equals(master));
    if (unreachable) {
      return CompletableFuture.completedFuture(json(StatusCodes.SERVICE_UNAVAILABLE,
          error(on + " is not reachable from this node: ask again once it is, or once a new master is elected")));
    }
    Duration findTimeout = ControllerSettings.fromConfig(system.settings().config()).readTimeout();
    log.info("Forwarding the planned switch of group '{}' to its master's node {}", group, master);
    CompletionStage<Optional<ActorRef<SwitchDesk.Switch>>> desk = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
            system.receptionist(), replyTo -> Receptionist.find(SwitchDesk.KEY, replyTo), findTimeout,
            system.scheduler())
        .thenApply(listing -> listing.getServiceInstances(SwitchDesk.KEY).stream()
            .filter(ref -> ref.path().address().equals(master)).findFirst());
    return desk.thenCompose(found -> found.isEmpty()
            ? CompletableFuture.completedFuture(json(StatusCodes.SERVICE_UNAVAILABLE,
                error(on + " has no switch desk registered (not up yet, or leaving)")))
            : answer(AskPattern.<SwitchDesk.Switch, ReplicaController.Decision>ask(found.get(),
                replyTo -> new SwitchDesk.Switch(group, replyTo), switchTimeout(), system.scheduler()),
                failure -> on + " did not answer: " + failure))
        .exceptionally(failure -> json(StatusCodes.SERVICE_UNAVAILABLE,
            error("could not find " + on + ": " + failure)));
  }

  /** The master's catch-up (replication timeout), then the controller's majority write, and a margin. */
  private Duration switchTimeout() {
    return ReplicationSettings.fromConfig(system.settings().config()).timeout()
        .plus(ControllerSettings.fromConfig(system.settings().config()).writeTimeout()).plusSeconds(5);
  }

  private CompletionStage<HttpResponse> decide(String group,
      Function<ActorRef<ReplicaController.Decision>, ReplicaController.Command> request) {
    if (!GroupMasters.get(system).isReplicated(group)) {
      return notReplicated(group);
    }
    // the controller answers after its majority write, or "outcome unknown" after write-timeout
    Duration timeout = ControllerSettings.fromConfig(system.settings().config()).writeTimeout().plusSeconds(5);
    return answer(AskPattern.<ReplicaController.Command, ReplicaController.Decision>ask(
        ReplicaController.init(system), request::apply, timeout, system.scheduler()));
  }

  private static CompletionStage<HttpResponse> notReplicated(String group) {
    return CompletableFuture.completedFuture(json(StatusCodes.NOT_FOUND,
        error("group '" + group + "' is not replicated (sluice.controller.groups)")));
  }

  private static CompletionStage<HttpResponse> answer(CompletionStage<ReplicaController.Decision> asked) {
    return answer(asked, failure -> "no answer: " + failure);
  }

  private static CompletionStage<HttpResponse> answer(CompletionStage<ReplicaController.Decision> asked,
      Function<Throwable, String> noAnswer) {
    return asked.handle((decision, failure) -> {
      if (failure != null) {
        return json(StatusCodes.SERVICE_UNAVAILABLE, error(noAnswer.apply(failure)));
      }
      if (decision instanceof ReplicaController.Accepted accepted) {
        return json(StatusCodes.OK, state(accepted.state()));
      }
      return json(StatusCodes.CONFLICT, error(((ReplicaController.Refused) decision).reason()));
    });
  }

  private static ObjectNode state(GroupState state) {
    ObjectNode node = JSON.createObjectNode()
        .put("group", state.group())
        .put("master", state.master())
        .put("epoch", state.epoch())
        .put("status", state.status().name());
    ArrayNode inSync = node.putArray("inSync");
    new TreeSet<>(state.inSync()).forEach(inSync::add);
    return node;
  }

  private static ObjectNode error(String message) {
    return JSON.createObjectNode().put("error", message);
  }

  private static HttpResponse json(StatusCode status, ObjectNode body) {
    return HttpResponse.create().withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body.toString()));
  }

  String render() {
    ArrayNode groups = JSON.createArrayNode();
    GroupMasters masters = GroupMasters.get(system);
    ReplicationStatus.get(system).groups().values().forEach(view -> {
      MessageStore store = view.store();
      long end = store.confirmedPosition();
      boolean master = store.role() == StoreRole.MASTER;
      ObjectNode g = groups.addObject()
          .put("group", view.group())
          .put("role", master ? "master" : "replica")
          .put("epoch", store.epochs().last().map(Epoch::epoch).orElse(0L))
          .put("logEnd", end)
          .put("commitPosition", store.commits().commitPosition())
          .put("minPosition", store.minPosition());
      g.set("controller", masters.stateOf(view.group()).<com.fasterxml.jackson.databind.JsonNode>map(
          ReplicationRoute::state).orElse(null));
      if (master) {
        ArrayNode inSync = g.putArray("inSync");
        new TreeSet<>(store.commits().inSync()).forEach(inSync::add);
        ArrayNode replicas = g.putArray("replicas");
        if (view.isMaster()) {
          view.replicas().forEach(r -> replicas.addObject()
              .put("replicaId", r.replicaId())
              .put("confirmedPosition", r.confirmedPosition())
              .put("lagBytes", Math.max(0, end - r.confirmedPosition()))
              .put("inSync", r.inSync())
              .put("lastFetchAgeMillis", r.lastFetchAgeMillis())
              .put("stale", r.stale()));
        }
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
