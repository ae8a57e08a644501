package io.sluice.actors.topic;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * This node's copy of the topic registry, read on the produce path without a network hop. Updated
 * from this node's Distributed Data replica ({@link TopicCatalogFeed}) and by replies to admin
 * changes made through this node.
 *
 * <p>Thread-safety: any thread.
 */
public final class TopicCatalog {
  private final AtomicReference<Topics> current = new AtomicReference<>(Topics.EMPTY);

  public Optional<TopicConfig> get(String name) {
    return current.get().get(name);
  }

  public Topics snapshot() {
    return current.get();
  }

  /** Keeps {@code topics} if it is newer than what this node has. */
  public void offer(Topics topics) {
    current.accumulateAndGet(topics, (mine, theirs) -> theirs.version() > mine.version() ? theirs : mine);
  }
}
