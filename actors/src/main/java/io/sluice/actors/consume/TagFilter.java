package io.sluice.actors.consume;

import io.sluice.protocol.v1.Message;
import java.util.Set;
import java.util.TreeSet;

/**
 * A tag expression as RocketMQ consumers write it: {@code *} (or empty) for every message, or tags
 * joined by {@code ||}. Messages without a tag match only {@code *}.
 */
public record TagFilter(Set<String> tags) implements MessageFilter {
  public static final TagFilter ALL = new TagFilter(Set.of());

  /**
   * Parses {@code expression}.
   *
   * @throws IllegalArgumentException naming the position of an empty or malformed tag
   */
  public static TagFilter parse(String expression) {
    String trimmed = expression == null ? "" : expression.trim();
    if (trimmed.isEmpty() || trimmed.equals("*")) {
      return ALL;
    }
    TreeSet<String> tags = new TreeSet<>();
    int position = 0;
    for (String part : trimmed.split("\\|\\|", -1)) {
      String tag = part.trim();
      if (tag.isEmpty() || tag.contains("|") || tag.equals("*")) {
        throw new IllegalArgumentException(
            "tag expression '" + trimmed + "': empty or invalid tag at position " + position);
      }
      tags.add(tag);
      position += part.length() + 2;
    }
    return new TagFilter(Set.copyOf(tags));
  }

  public boolean matchesAll() {
    return tags.isEmpty();
  }

  public boolean matches(String tag) {
    return tags.isEmpty() || tags.contains(tag);
  }

  @Override
  public boolean matches(Message message) {
    return matches(message.getTag());
  }
}
