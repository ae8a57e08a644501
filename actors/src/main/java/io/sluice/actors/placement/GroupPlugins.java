package io.sluice.actors.placement;

import com.typesafe.config.Config;
import io.sluice.actors.queue.Queue;
import java.util.Set;

/**
 * Which persistence plugins an entity of a broker group uses (shared/CLUSTER.md 4.2). A node
 * defines, for each broker group it carries, a journal, a snapshot store and a read journal under
 * {@code sluice.groups.<group>} (the gateway generates them before the actor system starts), each
 * on the group's own store. An entity whose id names such a group ({@link Queue#brokerGroupOf})
 * uses them, so a node holding a group's replica store can run that group's entities on it once
 * the store is promoted; any other entity uses the default plugins. Persistence ids never change.
 *
 * <p>Thread-safety: immutable.
 */
public final class GroupPlugins {
  /** Where a node defines its groups' plugins. */
  public static final String PATH = "sluice.groups";

  /**
   * The plugin ids of one entity.
   *
   * @param journal journal plugin id; empty for {@code pekko.persistence.journal.plugin}
   * @param snapshotStore snapshot store plugin id; empty for {@code pekko.persistence.snapshot-store.plugin}
   * @param query read journal plugin id
   */
  public record Ids(String journal, String snapshotStore, String query) {
    /** The default journal and snapshot store with read journal {@code query}. */
    public static Ids defaults(String query) {
      return new Ids("", "", query);
    }
  }

  private final Set<String> groups;
  private final String defaultQuery;

  private GroupPlugins(Set<String> groups, String defaultQuery) {
    this.groups = Set.copyOf(groups);
    this.defaultQuery = defaultQuery;
  }

  /** The groups defined under {@link #PATH} in {@code config}; other entities read {@code defaultQuery}. */
  public static GroupPlugins fromConfig(Config config, String defaultQuery) {
    return new GroupPlugins(config.hasPath(PATH) ? config.getObject(PATH).keySet() : Set.of(), defaultQuery);
  }

  public static String journalOf(String brokerGroup) {
    return PATH + "." + brokerGroup + ".journal";
  }

  public static String snapshotStoreOf(String brokerGroup) {
    return PATH + "." + brokerGroup + ".snapshot-store";
  }

  public static String queryOf(String brokerGroup) {
    return PATH + "." + brokerGroup + ".query";
  }

  /** The plugins of the entity (or queue) {@code entityId}: its group's when defined, else the defaults. */
  public Ids forEntity(String entityId) {
    String group = Queue.brokerGroupOf(entityId);
    return groups.contains(group)
        ? new Ids(journalOf(group), snapshotStoreOf(group), queryOf(group))
        : Ids.defaults(defaultQuery);
  }
}
