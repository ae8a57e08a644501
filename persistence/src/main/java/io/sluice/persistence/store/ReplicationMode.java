package io.sluice.persistence.store;

/** How writes wait for the store's replicas ({@code replication.mode}). */
public enum ReplicationMode {
  /** No replicas: a write is acknowledged once stored locally. */
  NONE,
  /**
   * Replicas copy the log, but a write is acknowledged once stored locally: a failover loses the
   * acknowledged writes not copied yet.
   */
  ASYNC,
  /**
   * A write is acknowledged once committed (every in-sync replica has it), never with fewer than
   * {@code min-in-sync} copies; queries and lookups see committed records only.
   */
  SYNC
}
