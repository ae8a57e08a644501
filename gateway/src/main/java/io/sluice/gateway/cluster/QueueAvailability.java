package io.sluice.gateway.cluster;

import io.grpc.Status;
import io.sluice.actors.placement.GroupAvailability;
import io.sluice.actors.queue.Queue;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.Reason;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Whether a queue can be served now: the member serving its broker group is up and reachable
 * ({@link GroupAvailability}: a replicated group's ACTIVE master, any other group's node). A call to
 * a queue that cannot is refused at once with UNAVAILABLE and QUEUE_UNAVAILABLE naming the group and
 * why, before sharding is asked: sharding would buffer it until the group is served again (it never
 * places the queue elsewhere) and the caller would wait for its timeout. A queue without a group (a
 * single node before placement) is always available.
 *
 * <p>Thread-safety: any thread.
 */
public final class QueueAvailability {
  /** Every group available: a node without peers, and tests. */
  public static final QueueAvailability ALWAYS = of(group -> true);

  private final Function<String, Optional<String>> whyUnavailable;

  /** Availability by {@code whyUnavailable}: a group -> why it cannot serve now, empty when it can. */
  public QueueAvailability(Function<String, Optional<String>> whyUnavailable) {
    this.whyUnavailable = whyUnavailable;
  }

  /** Availability by {@code groupAvailable}; an unavailable group is said to have no node up and reachable. */
  public static QueueAvailability of(Predicate<String> groupAvailable) {
    return new QueueAvailability(group -> groupAvailable.test(group) ? Optional.empty() : Optional.of(noNode(group)));
  }

  /** Availability as this node's cluster membership and view of the replica controller show it. */
  public static QueueAvailability of(ActorSystem<?> system) {
    return new QueueAvailability(new GroupAvailability(system)::whyUnavailable);
  }

  public boolean isAvailable(String queueEntityId) {
    String group = Queue.brokerGroupOf(queueEntityId);
    return group.isEmpty() || whyUnavailable.apply(group).isEmpty();
  }

  /** {@code call} if the queue is available, else a stage failed with {@link #unavailable}. */
  public <T> CompletionStage<T> ifAvailable(String queueEntityId, Supplier<CompletionStage<T>> call) {
    return isAvailable(queueEntityId) ? call.get() : CompletableFuture.failedFuture(unavailable(queueEntityId));
  }

  /** UNAVAILABLE with QUEUE_UNAVAILABLE naming the queue, its broker group and why it cannot be served. */
  public BrokerException unavailable(String queueEntityId) {
    String group = Queue.brokerGroupOf(queueEntityId);
    String why = whyUnavailable.apply(group).orElseGet(() -> noNode(group));
    return new BrokerException(Status.Code.UNAVAILABLE, Reason.QUEUE_UNAVAILABLE, "queue '" + Queue.dataIdOf(queueEntityId)
        + "' is unavailable: " + why + "; it is served again when the group is");
  }

  private static String noNode(String group) {
    return "no node of its broker group '" + group + "' is up and reachable";
  }
}
