package io.sluice.client;

import io.grpc.Status;

/**
 * The message body is larger than the broker's maximum message size, or larger than the producer's
 * whole send buffer ({@link Reason#MESSAGE_TOO_LARGE}).
 */
public class MessageTooLargeException extends SluiceException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param reason the broker's reason
   * @param statusCode the gRPC status code
   * @param message what went wrong, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public MessageTooLargeException(
      Reason reason, Status.Code statusCode, String message, Throwable cause) {
    super(reason, statusCode, message, cause);
  }
}
