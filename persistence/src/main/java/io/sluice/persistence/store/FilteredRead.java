package io.sluice.persistence.store;

import java.util.List;

/**
 * What one {@link MessageStore#readFiltered} found, in sequence-number order: the accepted records,
 * and runs of consecutive events filtered out.
 *
 * @param nextSequenceNr where the next read continues: after the last entry examined
 */
public record FilteredRead(List<Entry> entries, long nextSequenceNr) {
  public FilteredRead {
    entries = List.copyOf(entries);
  }

  public sealed interface Entry {}

  /** An accepted event, read from the CommitLog. */
  public record Matched(StoredRecord record) implements Entry {}

  /** Events {@code fromSequenceNr .. toSequenceNr}, all stored and consecutive, filtered out unread. */
  public record Skipped(long fromSequenceNr, long toSequenceNr) implements Entry {}
}
