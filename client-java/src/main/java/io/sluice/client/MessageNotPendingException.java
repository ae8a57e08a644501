package io.sluice.client;

import io.grpc.Status;

/**
 * A delayed message to cancel is not waiting: delivered (or being delivered), cancelled already
 * (status {@link Status.Code#FAILED_PRECONDITION}), or never scheduled on the topic (status {@link
 * Status.Code#NOT_FOUND}); reason {@link Reason#MESSAGE_NOT_PENDING}.
 */
public class MessageNotPendingException extends SluiceException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param reason the broker's reason
   * @param statusCode the gRPC status code
   * @param message what went wrong, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public MessageNotPendingException(
      Reason reason, Status.Code statusCode, String message, Throwable cause) {
    super(reason, statusCode, message, cause);
  }
}
