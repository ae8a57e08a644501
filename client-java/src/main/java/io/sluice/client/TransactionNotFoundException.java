package io.sluice.client;

import io.grpc.Status;

/**
 * The broker holds no transaction with this id of this producer group on a queue the request named
 * ({@link Reason#TRANSACTION_NOT_FOUND}, status {@link Status.Code#NOT_FOUND}).
 */
public class TransactionNotFoundException extends SluiceException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param reason the broker's reason
   * @param statusCode the gRPC status code
   * @param message what went wrong, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public TransactionNotFoundException(
      Reason reason, Status.Code statusCode, String message, Throwable cause) {
    super(reason, statusCode, message, cause);
  }
}
