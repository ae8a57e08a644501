package io.sluice.actors.queue;

import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The message ids a queue stored lately and their offsets, oldest first: at most {@code maxIds},
 * none stored more than {@code window} before the newest. Mutable on purpose (an immutable copy per
 * message would cost O(n)); owned by one {@link Queue} actor, never shared or snapshotted: the queue
 * adds a message only once the journal confirmed it, and rebuilds the whole from its journal's tail
 * after each recovery.
 *
 * <p>Thread-safety: none; the owning actor's thread only.
 */
final class RecentIds {
  /** An id's first store: about 150 bytes of heap per id with its map entry and id string. */
  private record Stored(long offset, long storeTimestampMs) {}

  private final DedupSettings settings;
  private final LinkedHashMap<String, Stored> byId = new LinkedHashMap<>();

  RecentIds(DedupSettings settings) {
    this.settings = settings;
  }

  /** The offset {@code messageId} was stored at, or -1 if it is not (or no longer) remembered. */
  long offsetOf(String messageId, long nowMs) {
    Stored stored = byId.get(messageId);
    return stored == null || stored.storeTimestampMs() < nowMs - settings.window().toMillis() ? -1 : stored.offset();
  }

  /** Remembers a stored message, newer than every one remembered, forgetting what falls out of the window. */
  void add(String messageId, long offset, long storeTimestampMs) {
    if (!settings.enabled()) {
      return;
    }
    byId.putIfAbsent(messageId, new Stored(offset, storeTimestampMs));
    long oldestKept = storeTimestampMs - settings.window().toMillis();
    Iterator<Stored> oldestFirst = byId.values().iterator();
    while (oldestFirst.hasNext()) {
      Stored eldest = oldestFirst.next();
      if (byId.size() <= settings.maxIds() && eldest.storeTimestampMs() >= oldestKept) {
        break;
      }
      oldestFirst.remove();
    }
  }

  int size() {
    return byId.size();
  }
}
