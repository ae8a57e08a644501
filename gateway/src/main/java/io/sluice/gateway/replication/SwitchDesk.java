package io.sluice.gateway.replication;

import io.sluice.actors.CborSerializable;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.ReplicaController;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Takes planned switches that an operator asked of another node ({@code POST
 * /cluster/replication/{group}/switch} there, {@link ReplicationRoute}): one per node carrying
 * replicated groups, registered with the receptionist under {@link #KEY}. A {@link Switch} is handed
 * to this node's {@link GroupReplica} of the group ({@link GroupReplica.SwitchAway}), which answers
 * the asker directly with the controller's decision, or refuses when this node does not master the
 * group (naming the master as it sees it: a switch is forwarded once, never again).
 */
public final class SwitchDesk {
  private SwitchDesk() {}

  public static final ServiceKey<Switch> KEY = ServiceKey.create(Switch.class, "sluice-replication-switch");

  /** A planned switch of {@code group}, if this node masters it; {@code replyTo} hears the decision. */
  public record Switch(String group, ActorRef<ReplicaController.Decision> replyTo) implements CborSerializable {}

  /** Starts the node's desk, if it carries replicated groups (call after {@link NodeReplication#start}). */
  public static void start(ActorSystem<?> system) {
    if (!GroupMasters.get(system).replicatedGroups().isEmpty()) {
      system.systemActorOf(create(), "replication-switch-desk", Props.empty());
    }
  }

  private static Behavior<Switch> create() {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      String self = ctx.getSystem().address().toString();
      return Behaviors.receiveMessage(request -> {
        ReplicationStatus.get(ctx.getSystem()).replicaOf(request.group()).ifPresentOrElse(
            replica -> replica.tell(new GroupReplica.SwitchAway(request.replyTo())),
            () -> request.replyTo().tell(new ReplicaController.Refused("node " + self + " does not carry '"
                + request.group() + "'")));
        return Behaviors.same();
      });
    });
  }
}
