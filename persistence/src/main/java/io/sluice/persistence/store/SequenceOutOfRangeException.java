package io.sluice.persistence.store;

/** A read asked for sequence numbers that retention has already removed. */
public final class SequenceOutOfRangeException extends RuntimeException {
  private final String persistenceId;
  private final long requested;
  private final long lowestAvailable;

  public SequenceOutOfRangeException(String persistenceId, long requested, long lowestAvailable) {
    super(
        "persistence id '"
            + persistenceId
            + "': sequence nr "
            + requested
            + " is out of range, retention removed everything below "
            + lowestAvailable);
    this.persistenceId = persistenceId;
    this.requested = requested;
    this.lowestAvailable = lowestAvailable;
  }

  public String persistenceId() {
    return persistenceId;
  }

  public long requested() {
    return requested;
  }

  public long lowestAvailable() {
    return lowestAvailable;
  }
}
