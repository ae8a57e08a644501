package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.FilterTags;
import io.sluice.persistence.store.FilteredRead;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks one persistence id's ConsumeQueue and reads from the CommitLog only the entries whose tag
 * hash a {@link FilterTags} may accept; the others become {@link FilteredRead.Skipped} runs.
 *
 * <p>Thread-safety: any thread (a scan is a local computation over thread-safe readers).
 */
public final class FilteredScan {
  private FilteredScan() {}

  /**
   * Examines entries from {@code from} (above deletions) to {@code to} (capped at the highest), at
   * most {@code maxEntries} of them, stopping after {@code maxRecords} accepted records or after the
   * accepted record that brings their sizes to {@code maxBytes}.
   *
   * @throws io.sluice.persistence.store.SequenceOutOfRangeException if retention removed an entry
   *     in the range
   * @throws io.sluice.persistence.store.CorruptedRecordException if a record read fails its CRC
   */
  public static FilteredRead scan(
      RecordReader reader, ConsumeQueue cq, long from, long to, FilterTags filter, int maxRecords, int maxEntries,
      long maxBytes) throws IOException {
    long s = Math.max(from, cq.deletedTo() + 1);
    long last = Math.min(to, cq.highestSequenceNr());
    long stop = Math.min(last, s + maxEntries - 1);
    List<FilteredRead.Entry> out = new ArrayList<>();
    RecordCodec codec = new RecordCodec();
    int records = 0;
    long bytes = 0;
    long runFrom = -1;
    for (; s <= stop && records < maxRecords && bytes < maxBytes; s++) {
      int size = cq.size(s);
      if (size == ConsumeQueue.HOLE) {
        runFrom = endRun(out, runFrom, s - 1);
        continue;
      }
      reader.checkRetained(cq, s, size);
      if (filter.mayMatch(cq.tagHash(s))) {
        var record = reader.readEntry(codec, cq, s, size);
        if (filter.matches(record.tags())) {
          runFrom = endRun(out, runFrom, s - 1);
          out.add(new FilteredRead.Matched(record));
          records++;
          bytes += size;
          continue;
        }
      }
      if (runFrom < 0) {
        runFrom = s;
      }
    }
    endRun(out, runFrom, s - 1);
    return new FilteredRead(out, s);
  }

  /** Adds the run from {@code runFrom} (none if negative) to {@code runTo}; returns "no run". */
  private static long endRun(List<FilteredRead.Entry> out, long runFrom, long runTo) {
    if (runFrom >= 0) {
      out.add(new FilteredRead.Skipped(runFrom, runTo));
    }
    return -1;
  }
}
