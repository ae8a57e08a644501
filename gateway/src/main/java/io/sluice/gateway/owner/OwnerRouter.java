package io.sluice.gateway.owner;

import io.grpc.Status;
import io.sluice.actors.placement.BrokerGroups;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Hands an admin call that reads a store to the node owning the broker group's data ({@link
 * OwnerCalls} found through the receptionist), or runs it here when this node owns the group or
 * the data has no group (a single node, a topic from before placement). A group without a live
 * owner fails the call with {@code UNAVAILABLE} / {@code QUEUE_UNAVAILABLE} naming it: a lookup
 * that could not ask every group holding the topic's queues is refused rather than answered from
 * part of the data, since "not found" would then be a guess. Thread-safe.
 */
public final class OwnerRouter {
  private final ActorSystem<?> system;
  private final Duration askTimeout;
  private final String selfGroup;

  public OwnerRouter(ActorSystem<?> system, Duration askTimeout) {
    this.system = system;
    this.askTimeout = askTimeout;
    this.selfGroup = BrokerGroups.groupOf(Cluster.get(system).selfMember()).orElse("");
  }

  /** Starts this node's {@link OwnerCalls}, answering with {@code local}, when it owns a group's data. */
  public void startOwnerCalls(OwnerCalls.Local local) {
    if (!selfGroup.isEmpty()) {
      system.systemActorOf(OwnerCalls.create(selfGroup, local), "owner-calls", org.apache.pekko.actor.typed.Props.empty());
    }
  }

  /**
   * Runs the call on the owner of {@code group}'s data; the response bytes.
   *
   * @param here the call on this node, run when this node owns the group or the group is empty
   */
  public CompletionStage<byte[]> call(
      String group, OwnerCalls.Kind kind, byte[] request, Supplier<CompletionStage<byte[]>> here) {
    if (group.isEmpty() || group.equals(selfGroup)) {
      return here.get();
    }
    return ownerOf(group).thenCompose(owner -> AskPattern.<OwnerCalls.Command, OwnerCalls.Reply>ask(
            owner, replyTo -> new OwnerCalls.Call(kind, request, replyTo), askTimeout, system.scheduler()))
        .thenApply(reply -> {
          if (reply.statusCode() != 0) {
            Reason reason = Reason.forNumber(reply.reason());
            throw new BrokerException(Status.Code.values()[reply.statusCode()],
                reason == null ? Reason.REASON_UNSPECIFIED : reason, reply.error());
          }
          return reply.response();
        })
        .exceptionally(failure -> {
          Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
              ? failure.getCause() : failure;
          // the owner itself did not answer; a refusal it sent comes through as it gave it
          if (cause instanceof java.util.concurrent.TimeoutException) {
            throw unavailable(Set.of(group), "did not answer within " + askTimeout.toMillis() + " ms");
          }
          throw BrokerException.of(cause);
        });
  }

  /**
   * Runs the call on the owner of every group in {@code groups}, each answer by group, in the
   * groups' order. Fails with QUEUE_UNAVAILABLE naming every group that has no live owner or did not
   * answer in time; any other refusal fails it as the owner gave it.
   */
  public CompletionStage<Map<String, byte[]>> callAll(
      Collection<String> groups, OwnerCalls.Kind kind, byte[] request, Supplier<CompletionStage<byte[]>> here) {
    Map<String, CompletableFuture<byte[]>> asks = new LinkedHashMap<>();
    for (String group : new TreeSet<>(groups)) {
      CompletableFuture<byte[]> ask;
      try {
        ask = call(group, kind, request, here).toCompletableFuture();
      } catch (RuntimeException refused) {
        ask = CompletableFuture.failedFuture(refused);
      }
      asks.put(group, ask);
    }
    return CompletableFuture.allOf(asks.values().toArray(CompletableFuture[]::new))
        .handle((ok, ignored) -> {
          Map<String, byte[]> answers = new LinkedHashMap<>();
          Set<String> missed = new TreeSet<>();
          List<BrokerException> refusals = new ArrayList<>();
          asks.forEach((group, ask) -> {
            try {
              answers.put(group, ask.join());
            } catch (RuntimeException failure) {
              BrokerException e = BrokerException.of(failure);
              if (e.reason() == Reason.QUEUE_UNAVAILABLE) {
                missed.add(group);
              } else {
                refusals.add(e);
              }
            }
          });
          if (!refusals.isEmpty()) {
            throw refusals.get(0);
          }
          if (!missed.isEmpty()) {
            system.log().warn("{} call not answered by broker groups {}: refused", kind, missed);
            throw unavailable(missed, "have no live node");
          }
          return answers;
        });
  }

  private CompletionStage<ActorRef<OwnerCalls.Command>> ownerOf(String group) {
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
            system.receptionist(), replyTo -> Receptionist.find(OwnerCalls.keyOf(group), replyTo),
            askTimeout, system.scheduler())
        .thenApply(listing -> {
          Set<ActorRef<OwnerCalls.Command>> owners = listing.getServiceInstances(OwnerCalls.keyOf(group));
          if (owners.isEmpty()) {
            throw unavailable(Set.of(group), "has no live node");
          }
          return owners.iterator().next();
        });
  }

  private static BrokerException unavailable(Set<String> groups, String why) {
    return new BrokerException(Status.Code.UNAVAILABLE, Reason.QUEUE_UNAVAILABLE,
        "broker group" + (groups.size() > 1 ? "s " : " ") + String.join(", ", groups) + " " + why
            + ": the data is on " + (groups.size() > 1 ? "their" : "its") + " node only; retry later");
  }
}
