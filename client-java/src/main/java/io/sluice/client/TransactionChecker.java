package io.sluice.client;

/**
 * Answers the broker's check-backs for a {@link TransactionalProducer}'s group: the broker asks
 * when a transaction has had no outcome for its check time, for example because the producer that
 * began it died between sending and committing. Look the transaction up where the local
 * transaction left its trace (typically a row written in the same database transaction) and say
 * what happened.
 *
 * <p>Called on the producer's checker threads, possibly for several transactions at once. An
 * exception or a {@code null} result counts as {@link TransactionResolution#UNKNOWN}.
 */
@FunctionalInterface
public interface TransactionChecker {
  /**
   * Reports the outcome of a transaction.
   *
   * @param check the transaction, one of its half messages and how often it was checked
   * @return {@link TransactionResolution#COMMIT} or {@link TransactionResolution#ROLLBACK} if the
   *     local transaction is decided; {@link TransactionResolution#UNKNOWN} to be asked again after
   *     the broker's check interval (up to its maximum number of checks, after which the broker
   *     applies its configured outcome, rollback by default)
   */
  TransactionResolution check(TransactionCheck check);
}
