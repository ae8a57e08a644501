package io.sluice.client;

import io.grpc.Status;

/**
 * The transaction was resolved already with the other outcome ({@link
 * Reason#TRANSACTION_RESOLVED}): a {@link Transaction#commit()} after a rollback, a {@link
 * Transaction#rollback()} after a commit, or either after the broker applied its own outcome when
 * the check-backs ran out. COMMIT and ROLLBACK are final. Thrown by the client itself when it knows
 * the outcome (status {@link Status.Code#FAILED_PRECONDITION} then too).
 */
public class TransactionResolvedException extends SluiceException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param reason the broker's reason
   * @param statusCode the gRPC status code
   * @param message what went wrong, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public TransactionResolvedException(
      Reason reason, Status.Code statusCode, String message, Throwable cause) {
    super(reason, statusCode, message, cause);
  }
}
