package io.sluice.gateway;

import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;

/** The one lookup of a topic a request names: the name is checked, then this node's catalog. */
public final class KnownTopics {
  private KnownTopics() {}

  /** @throws BrokerException INVALID_NAME or TOPIC_NOT_FOUND */
  public static TopicConfig require(TopicCatalog catalog, String name) {
    Names.check("topic", name);
    return catalog.get(name).orElseThrow(() -> BrokerException.topicNotFound(name));
  }
}
