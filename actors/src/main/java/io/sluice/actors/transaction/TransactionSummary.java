package io.sluice.actors.transaction;

import io.sluice.actors.CborSerializable;
import java.util.List;

/**
 * A transaction on one queue as operators see it.
 *
 * @param messageIds its half messages on the queue
 * @param checks check-backs sent so far
 * @param outcome null while open; the outcome the broker applied for a transaction it resolved
 * @param resolvedAtMs when it was resolved; 0 while open
 */
public record TransactionSummary(String transactionId, String producerGroup, List<String> messageIds,
    long preparedAtMs, int checks, TransactionBook.Outcome outcome, long resolvedAtMs) implements CborSerializable {}
