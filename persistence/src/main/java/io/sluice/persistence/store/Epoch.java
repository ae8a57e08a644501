package io.sluice.persistence.store;

/**
 * A master's term: the records from {@code startPosition} (where its EpochStart record lies) up to
 * the next epoch's start were written by the master of {@code epoch}.
 */
public record Epoch(long epoch, long startPosition) {}
