package io.sluice.actors.topic;

import io.sluice.actors.CborSerializable;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An immutable snapshot of every topic with a version that grows with each change, so a node
 * keeps only the newest it has seen.
 */
public record Topics(long version, Map<String, TopicConfig> byName) implements CborSerializable {
  public static final Topics EMPTY = new Topics(0, Map.of());

  public Topics {
    byName = Map.copyOf(byName);
  }

  public Optional<TopicConfig> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  Topics with(TopicConfig topic) {
    TreeMap<String, TopicConfig> copy = new TreeMap<>(byName);
    copy.put(topic.name(), topic);
    return new Topics(version + 1, copy);
  }

  Topics without(String name) {
    TreeMap<String, TopicConfig> copy = new TreeMap<>(byName);
    copy.remove(name);
    return new Topics(version + 1, copy);
  }
}
