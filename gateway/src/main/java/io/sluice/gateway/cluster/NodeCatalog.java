package io.sluice.gateway.cluster;

import io.sluice.actors.topic.TopicCatalog;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The node's topic catalog, for what pekko-management instantiates itself (route providers get
 * only the actor system). Empty until the node sets it.
 */
public final class NodeCatalog implements Extension {
  private volatile TopicCatalog catalog = new TopicCatalog();

  public static final ExtensionId<NodeCatalog> ID = new ExtensionId<>() {
    @Override
    public NodeCatalog createExtension(ActorSystem<?> system) {
      return new NodeCatalog();
    }
  };

  public static NodeCatalog get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public TopicCatalog catalog() {
    return catalog;
  }

  public void set(TopicCatalog nodeCatalog) {
    this.catalog = nodeCatalog;
  }
}
