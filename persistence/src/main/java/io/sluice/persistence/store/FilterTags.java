package io.sluice.persistence.store;

import io.sluice.persistence.store.internal.LogIndexer;
import io.sluice.persistence.store.internal.RecordCodec;
import java.util.List;
import java.util.Set;

/**
 * The filter tags a {@link MessageStore#readFiltered} accepts, with their hashes as the
 * ConsumeQueue keeps them: the hash decides without reading the CommitLog, the tags themselves
 * decide for the records read (a different tag with the same hash is filtered out too).
 *
 * <p>Immutable; thread-safe.
 */
public final class FilterTags {
  private final String prefix;
  private final Set<String> tags;
  private final long[] hashes;

  /**
   * @param prefix the store's filter-tag prefix
   * @param tags accepted event tags, each starting with {@code prefix}
   * @throws IllegalArgumentException if a tag lacks the prefix
   */
  FilterTags(String prefix, Set<String> tags) {
    this.prefix = prefix;
    this.tags = Set.copyOf(tags);
    this.hashes = new long[this.tags.size()];
    int i = 0;
    for (String tag : this.tags) {
      if (!tag.startsWith(prefix)) {
        throw new IllegalArgumentException(
            "filter tag '" + tag + "' does not start with the store's filter-tag prefix '" + prefix + "'");
      }
      hashes[i++] = RecordCodec.tagHash(tag, prefix.length());
    }
  }

  /** Whether an entry with {@code tagHash} may hold an accepted event; if not, it need not be read. */
  public boolean mayMatch(long tagHash) {
    // a handful of tags: a scan beats hashing a boxed key per entry
    for (long h : hashes) {
      if (h == tagHash) {
        return true;
      }
    }
    return false;
  }

  /** Whether an event with {@code eventTags} is accepted: its first filter tag is one of the tags. */
  public boolean matches(List<String> eventTags) {
    String filterTag = LogIndexer.firstWithPrefix(eventTags, prefix);
    return filterTag != null && tags.contains(filterTag);
  }

  public Set<String> tags() {
    return tags;
  }
}
