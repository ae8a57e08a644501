package io.sluice.persistence.store;

/**
 * What a store does in its broker group. A {@code MASTER} takes appends; a {@code REPLICA} takes
 * only replicated bytes ({@link MessageStore#appendRaw}) and deletes only what its master's
 * retention removed ({@link MessageStore#retainBelow}).
 */
public enum StoreRole {
  MASTER,
  REPLICA
}
