package io.sluice.client;

import java.time.Instant;

/**
 * A transaction the broker resolved itself, on one queue, because no producer of the group
 * reported an outcome within the maximum number of check-backs (see {@link
 * Admin#listTransactionsResolvedByMaxChecks}).
 *
 * @param transaction the transaction on its queue; its check count is the checks sent before the
 *     broker gave up
 * @param resolution the outcome the broker applied ({@link TransactionResolution#ROLLBACK} unless
 *     the broker is configured otherwise)
 * @param resolvedAt when it applied it
 */
public record ResolvedTransaction(
    TransactionInfo transaction, TransactionResolution resolution, Instant resolvedAt) {}
