package io.sluice.actors.consume;

import io.sluice.protocol.v1.Message;

/** What a {@link GroupQueue} reads from its queue's journal, in offset order ({@link QueueSource}). */
sealed interface QueueEntry {
  long firstOffset();

  long lastOffset();

  /** Bytes the entry stands for in the group's arrival batches. */
  long weight();

  /** A message read from the journal. */
  record Stored(Message message) implements QueueEntry {
    @Override
    public long firstOffset() {
      return message.getOffset();
    }

    @Override
    public long lastOffset() {
      return message.getOffset();
    }

    @Override
    public long weight() {
      return message.getBody().size();
    }
  }

  /** Consecutive messages whose tag the group's filter rejects, skipped by the journal unread. */
  record FilteredOut(long fromOffset, long toOffset) implements QueueEntry {
    @Override
    public long firstOffset() {
      return fromOffset;
    }

    @Override
    public long lastOffset() {
      return toOffset;
    }

    /** Each offset becomes one acked offset in the group's next persisted event. */
    @Override
    public long weight() {
      return 8 * (toOffset - fromOffset + 1);
    }
  }
}
