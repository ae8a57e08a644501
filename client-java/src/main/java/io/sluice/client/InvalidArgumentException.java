package io.sluice.client;

import io.grpc.Status;

/**
 * The request was rejected as malformed: {@link Reason#INVALID_NAME}, {@link
 * Reason#INVALID_FILTER}, {@link Reason#INVALID_INVISIBLE_DURATION}, {@link
 * Reason#MESSAGE_BODY_EMPTY}, {@link Reason#INVALID_ARGUMENT}, {@link
 * Reason#MESSAGE_TYPE_MISMATCH}, or status {@link Status.Code#INVALID_ARGUMENT} without a reason.
 * Repeating it unchanged will fail again.
 */
public class InvalidArgumentException extends SluiceException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param reason the broker's reason
   * @param statusCode the gRPC status code
   * @param message what went wrong, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public InvalidArgumentException(
      Reason reason, Status.Code statusCode, String message, Throwable cause) {
    super(reason, statusCode, message, cause);
  }
}
