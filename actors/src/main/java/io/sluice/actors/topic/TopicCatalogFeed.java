package io.sluice.actors.topic;

import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * Keeps this node's {@link TopicCatalog} current: subscribes to the registry's broadcasts and, as
 * a safety net for missed ones, asks the registry for its snapshot every refresh interval.
 */
public final class TopicCatalogFeed {
  private TopicCatalogFeed() {}

  private enum Refresh {
    INSTANCE
  }

  public static Behavior<Object> create(
      TopicCatalog catalog, ActorRef<TopicRegistry.Command> registry, Duration refreshInterval) {
    return Behaviors.setup(
        ctx -> {
          ActorRef<Topic.Command<Topics>> broadcast =
              ctx.spawn(Topic.create(Topics.class, TopicRegistry.BROADCAST), "topics-broadcast");
          ActorRef<Topics> self = ctx.getSelf().narrow();
          broadcast.tell(Topic.subscribe(self));
          return Behaviors.withTimers(
              timers -> {
                timers.startTimerWithFixedDelay(Refresh.INSTANCE, Duration.ZERO, refreshInterval);
                return Behaviors.receive(Object.class)
                    .onMessageEquals(Refresh.INSTANCE, () -> {
                      registry.tell(new TopicRegistry.GetTopics(self));
                      return Behaviors.same();
                    })
                    .onMessage(Topics.class, topics -> {
                      catalog.offer(topics);
                      return Behaviors.same();
                    })
                    .build();
              });
        });
  }
}
