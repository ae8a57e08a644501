package io.sluice.actors.topic;

import io.sluice.actors.registry.ReplicatedFeed;
import org.apache.pekko.actor.typed.Behavior;

/** Keeps this node's {@link TopicCatalog} current from the replicated topics (see {@link ReplicatedFeed}). */
public final class TopicCatalogFeed {
  private TopicCatalogFeed() {}

  public static Behavior<Object> create(TopicCatalog catalog) {
    return ReplicatedFeed.create(TopicRegistry.KEY, entries -> catalog.offer(Topics.of(entries)));
  }
}
