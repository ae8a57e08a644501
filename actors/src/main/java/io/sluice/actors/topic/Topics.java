package io.sluice.actors.topic;

import io.sluice.actors.CborSerializable;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An immutable snapshot of every topic with a version that grows with each change, so a node
 * keeps only the newest it has seen.
 *
 * @param lastIncarnations the incarnation of the last creation of every name ever created, deleted
 *     ones included: a name created again gets the next one
 */
public record Topics(long version, Map<String, TopicConfig> byName, Map<String, Long> lastIncarnations)
    implements CborSerializable {
  public static final Topics EMPTY = new Topics(0, Map.of());

  public Topics {
    byName = Map.copyOf(byName);
    // snapshots written before incarnations existed have none
    lastIncarnations = lastIncarnations == null ? Map.of() : Map.copyOf(lastIncarnations);
  }

  public Topics(long version, Map<String, TopicConfig> byName) {
    this(version, byName, Map.of());
  }

  /** The topics a replicated map holds; the version is its newest entry's. */
  public static Topics of(Map<String, TopicEntry> entries) {
    long version = 0;
    TreeMap<String, TopicConfig> byName = new TreeMap<>();
    TreeMap<String, Long> incarnations = new TreeMap<>();
    for (Map.Entry<String, TopicEntry> e : entries.entrySet()) {
      version = Math.max(version, e.getValue().version());
      incarnations.put(e.getKey(), e.getValue().lastIncarnation());
      if (e.getValue().topic() != null) {
        byName.put(e.getKey(), e.getValue().topic());
      }
    }
    return new Topics(version, byName, incarnations);
  }

  /** The incarnation a new creation of {@code name} gets: 0 if the name was never used. */
  long nextIncarnation(String name) {
    Long last = lastIncarnations.get(name);
    return last == null ? 0 : last + 1;
  }

  public Optional<TopicConfig> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  Topics with(TopicConfig topic) {
    TreeMap<String, TopicConfig> copy = new TreeMap<>(byName);
    copy.put(topic.name(), topic);
    TreeMap<String, Long> incarnations = new TreeMap<>(lastIncarnations);
    incarnations.merge(topic.name(), topic.incarnation(), Math::max);
    return new Topics(version + 1, copy, incarnations);
  }

  Topics without(String name) {
    TreeMap<String, TopicConfig> copy = new TreeMap<>(byName);
    copy.remove(name);
    return new Topics(version + 1, copy, lastIncarnations);
  }
}
