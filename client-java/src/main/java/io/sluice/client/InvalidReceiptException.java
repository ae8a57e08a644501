package io.sluice.client;

import io.grpc.Status;

/**
 * A receipt handle was not accepted: unknown, malformed, or its delivery expired, was acked or was
 * redelivered ({@link Reason#INVALID_RECEIPT}). The message will be (or was) delivered again.
 */
public class InvalidReceiptException extends SluiceException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param reason the broker's reason
   * @param statusCode the gRPC status code
   * @param message what went wrong, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public InvalidReceiptException(
      Reason reason, Status.Code statusCode, String message, Throwable cause) {
    super(reason, statusCode, message, cause);
  }
}
