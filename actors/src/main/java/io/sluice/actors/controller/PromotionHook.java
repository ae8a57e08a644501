package io.sluice.actors.controller;

import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a node that carries a replica of a broker group must run to be elected: an actor taking
 * {@link Promote}, whose ref the node sends with every {@link ReplicaController.Report}. Only the
 * protocol lives here; the node's promotion itself (append {@code EpochStart(epoch)}, open the
 * group's plugin for writes, serve fetches, wake timers and transaction logs: shared/CLUSTER.md 4.6)
 * is the gateway's.
 *
 * <p>The contract: on {@code Promote} the node becomes master of {@code group} in {@code epoch}
 * with in-sync set {@code inSync}, then tells {@code replyTo} {@link ReplicaController.Promoted}
 * with the same group and epoch. It may be told again (a new controller re-sends to a group still
 * promoting), so a repeat of an epoch it promoted to or past is answered {@code Promoted} again
 * and changes nothing.
 */
public final class PromotionHook {
  private PromotionHook() {}

  public record Promote(String group, long epoch, Set<String> inSync, ActorRef<ReplicaController.Command> replyTo) {
    public Promote {
      inSync = Set.copyOf(inSync);
    }
  }
}
