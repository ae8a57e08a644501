package io.sluice.protocol.query;

/**
 * The event of an {@link EventsByPersistenceIdAndTagsQuery} envelope that stands for the events
 * {@code fromSequenceNr .. toSequenceNr} (all stored, consecutive), none of which carries an
 * accepted filter tag.
 */
public record FilteredOut(long fromSequenceNr, long toSequenceNr) {
  public FilteredOut {
    if (fromSequenceNr < 1 || toSequenceNr < fromSequenceNr) {
      throw new IllegalArgumentException("invalid range " + fromSequenceNr + " .. " + toSequenceNr);
    }
  }
}
