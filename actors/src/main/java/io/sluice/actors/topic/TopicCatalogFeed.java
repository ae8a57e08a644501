package io.sluice.actors.topic;

import io.sluice.actors.registry.SnapshotFeed;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;

/** Keeps this node's {@link TopicCatalog} current (see {@link SnapshotFeed}). */
public final class TopicCatalogFeed {
  private TopicCatalogFeed() {}

  public static Behavior<Object> create(
      TopicCatalog catalog, ActorRef<TopicRegistry.Command> registry, Duration refreshInterval) {
    return SnapshotFeed.create(Topics.class, TopicRegistry.BROADCAST,
        self -> registry.tell(new TopicRegistry.GetTopics(self)), catalog::offer, refreshInterval);
  }
}
