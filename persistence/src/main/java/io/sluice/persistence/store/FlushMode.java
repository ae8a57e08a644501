package io.sluice.persistence.store;

/** When an append is acknowledged relative to the data reaching the disk. */
public enum FlushMode {
  /** Acknowledge after the batch is written and forced to disk (one fsync per group commit). */
  SYNC,
  /** Acknowledge after the batch is written; a flusher forces the log every flush interval. */
  ASYNC
}
