package io.sluice.gateway.owner;

import io.grpc.Status;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.placement.GroupAvailability;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.cluster.ServedGroups;
import io.sluice.protocol.v1.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * Hands an admin call that reads a store to the node serving the broker group ({@link OwnerCalls}
 * found through the receptionist), or runs it here when this node serves the group ({@link
 * ServedGroups}: its own unreplicated group, a replicated group it is the ACTIVE master of) or the
 * data has no group (a single node, a topic from before placement). A replicated group is served
 * only by its ACTIVE master: while it is PROMOTING, OFFLINE or undecided, or its master is not up and
 * reachable, the call fails at once with {@code UNAVAILABLE} / {@code QUEUE_UNAVAILABLE} saying so,
 * and only the master's registration is asked (a deposed master's may linger in the receptionist).
 * A group without a live owner fails the call likewise: a lookup that could not ask every group
 * holding the topic's queues is refused rather than answered from part of the data, since "not
 * found" would then be a guess. Thread-safe.
 */
public final class OwnerRouter {
  private final ActorSystem<?> system;
  private final Duration askTimeout;
  private final ServedGroups served;
  private final GroupAvailability availability;
  private final GroupMasters masters;
  private final Map<String, ActorRef<OwnerCalls.Command>> running = new ConcurrentHashMap<>();
  private final AtomicLong started = new AtomicLong();

  public OwnerRouter(ActorSystem<?> system, Duration askTimeout, ServedGroups served) {
    this.system = system;
    this.askTimeout = askTimeout;
    this.served = served;
    this.availability = new GroupAvailability(system);
    this.masters = GroupMasters.get(system);
  }

  /**
   * Runs an {@link OwnerCalls} for each group this node serves, answering with {@code local}: started
   * when the node starts serving the group, stopped when it stops.
   */
  public void startOwnerCalls(OwnerCalls.Local local) {
    served.addListener(new ServedGroups.Listener() {
      @Override
      public void started(String group) {
        running.put(group, system.systemActorOf(OwnerCalls.create(group, local),
            "owner-calls-" + group + "-" + started.incrementAndGet(), Props.empty()));
      }

      @Override
      public void stopped(String group) {
        ActorRef<OwnerCalls.Command> owner = running.remove(group);
        if (owner != null) {
          owner.tell(OwnerCalls.Stop.INSTANCE);
        }
      }
    });
  }

  /**
   * Runs the call on the owner of {@code group}'s data; the response bytes.
   *
   * @param here the call on this node for a group, run when this node serves the group or the group is empty
   */
  public CompletionStage<byte[]> call(
      String group, OwnerCalls.Kind kind, byte[] request, Function<String, CompletionStage<byte[]>> here) {
    if (group.isEmpty() || served.servesHere(group)) {
      return here.apply(group);
    }
    if (served.isReplicated(group)) {
      Optional<String> why = availability.whyUnavailable(group);
      if (why.isPresent()) {
        return CompletableFuture.failedFuture(unavailable(why.get()));
      }
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
      Collection<String> groups, OwnerCalls.Kind kind, byte[] request, Function<String, CompletionStage<byte[]>> here) {
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
          Map<String, BrokerException> missed = new TreeMap<>();
          List<BrokerException> refusals = new ArrayList<>();
          asks.forEach((group, ask) -> {
            try {
              answers.put(group, ask.join());
            } catch (RuntimeException failure) {
              BrokerException e = BrokerException.of(failure);
              if (e.reason() == Reason.QUEUE_UNAVAILABLE) {
                missed.put(group, e);
              } else {
                refusals.add(e);
              }
            }
          });
          if (!refusals.isEmpty()) {
            throw refusals.get(0);
          }
          if (!missed.isEmpty()) {
            system.log().warn("{} call not answered by broker groups {}: refused", kind, missed.keySet());
            // one group: its own reason (a replicated group's status says more than "no live node")
            throw missed.size() == 1 ? missed.values().iterator().next() : unavailable(missed.keySet(), "have no live node");
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
          Optional<ActorRef<OwnerCalls.Command>> owner = served.isReplicated(group)
              ? owners.stream().filter(o -> masters.activeMasterOf(group).equals(Optional.of(o.path().address())))
                  .findFirst()
              : owners.stream().findFirst();
          return owner.orElseThrow(() -> unavailable(Set.of(group), "has no live node"));
        });
  }

  private static BrokerException unavailable(String why) {
    return new BrokerException(Status.Code.UNAVAILABLE, Reason.QUEUE_UNAVAILABLE, why + "; retry later");
  }

  private static BrokerException unavailable(Set<String> groups, String why) {
    return new BrokerException(Status.Code.UNAVAILABLE, Reason.QUEUE_UNAVAILABLE,
        "broker group" + (groups.size() > 1 ? "s " : " ") + String.join(", ", groups) + " " + why
            + ": the data is on " + (groups.size() > 1 ? "their" : "its") + " node only; retry later");
  }
}
