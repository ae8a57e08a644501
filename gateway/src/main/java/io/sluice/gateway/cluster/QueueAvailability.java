package io.sluice.gateway.cluster;

import io.grpc.Status;
import io.sluice.actors.placement.GroupAvailability;
import io.sluice.actors.queue.Queue;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.Reason;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Whether a queue can be served now: its broker group has a node up and reachable ({@link
 * GroupAvailability}). A call to a queue that cannot is refused at once with UNAVAILABLE and
 * QUEUE_UNAVAILABLE naming the group, before sharding is asked: sharding would buffer it until the
 * group's node is back (it never places the queue elsewhere) and the caller would wait for its
 * timeout. A queue without a group (a single node before placement) is always available.
 *
 * <p>Thread-safety: any thread.
 */
public final class QueueAvailability {
  /** Every group available: a node without peers, and tests. */
  public static final QueueAvailability ALWAYS = new QueueAvailability(group -> true);

  private final Predicate<String> groupAvailable;

  public QueueAvailability(Predicate<String> groupAvailable) {
    this.groupAvailable = groupAvailable;
  }

  /** Availability as this node's cluster membership shows it. */
  public static QueueAvailability of(ActorSystem<?> system) {
    return new QueueAvailability(new GroupAvailability(system)::isAvailable);
  }

  public boolean isAvailable(String queueEntityId) {
    String group = Queue.brokerGroupOf(queueEntityId);
    return group.isEmpty() || groupAvailable.test(group);
  }

  /** {@code call} if the queue is available, else a stage failed with {@link #unavailable}. */
  public <T> CompletionStage<T> ifAvailable(String queueEntityId, Supplier<CompletionStage<T>> call) {
    return isAvailable(queueEntityId) ? call.get() : CompletableFuture.failedFuture(unavailable(queueEntityId));
  }

  /** UNAVAILABLE with QUEUE_UNAVAILABLE naming the queue and its broker group. */
  public static BrokerException unavailable(String queueEntityId) {
    return new BrokerException(Status.Code.UNAVAILABLE, Reason.QUEUE_UNAVAILABLE, "queue '" + Queue.dataIdOf(queueEntityId)
        + "' is unavailable: no node of its broker group '" + Queue.brokerGroupOf(queueEntityId)
        + "' is up and reachable; it is served again when that node is back");
  }
}
