package io.sluice.client;

/** The outcome of a transaction, as a {@link TransactionChecker} reports it. */
public enum TransactionResolution {
  /** The local transaction committed: make the half messages visible to consumers. */
  COMMIT,
  /** The local transaction failed or was abandoned: discard the half messages. */
  ROLLBACK,
  /** Not decided yet (the local transaction is still running): the broker asks again later. */
  UNKNOWN
}
