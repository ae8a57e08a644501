package io.sluice.actors.registry;

import java.time.Duration;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * Keeps a node-local copy of a cluster singleton's snapshot current: subscribes to the singleton's
 * broadcasts and, as a safety net for missed ones (a subscription takes effect asynchronously, so
 * a broadcast right after it may not arrive), asks for the snapshot every refresh interval,
 * starting at once. The receiver keeps the newest version; both routes may arrive in any order.
 */
public final class SnapshotFeed {
  private SnapshotFeed() {}

  private enum Refresh {
    INSTANCE
  }

  /**
   * @param type the snapshot's class
   * @param broadcastTopic the pub-sub topic the singleton publishes each new snapshot on
   * @param askSnapshot sends the singleton a request to answer the given address with its snapshot
   * @param offer receives every snapshot that arrives
   * @param refreshInterval how often to ask
   */
  public static <T> Behavior<Object> create(
      Class<T> type,
      String broadcastTopic,
      Consumer<ActorRef<T>> askSnapshot,
      Consumer<T> offer,
      Duration refreshInterval) {
    return Behaviors.setup(
        ctx -> {
          ActorRef<Topic.Command<T>> broadcast = ctx.spawn(Topic.create(type, broadcastTopic), "broadcast");
          ActorRef<T> self = ctx.getSelf().narrow();
          broadcast.tell(Topic.subscribe(self));
          return Behaviors.withTimers(
              timers -> {
                timers.startTimerWithFixedDelay(Refresh.INSTANCE, Duration.ZERO, refreshInterval);
                return Behaviors.receive(Object.class)
                    .onMessageEquals(Refresh.INSTANCE, () -> {
                      askSnapshot.accept(self);
                      return Behaviors.same();
                    })
                    .onMessage(type, snapshot -> {
                      offer.accept(snapshot);
                      return Behaviors.same();
                    })
                    .build();
              });
        });
  }
}
