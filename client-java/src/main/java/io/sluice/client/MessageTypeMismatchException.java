package io.sluice.client;

import io.grpc.Status;

/**
 * The topic's message type does not allow the message ({@link Reason#MESSAGE_TYPE_MISMATCH}): for
 * example a half message of a {@link Transaction} sent to a topic that is not a {@link
 * MessageType#TRANSACTION} topic, a message without a transaction sent to one, or a delivery time
 * on a topic that is not a {@link MessageType#DELAY} topic. Repeating it unchanged will fail again.
 */
public class MessageTypeMismatchException extends InvalidArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param reason the broker's reason
   * @param statusCode the gRPC status code
   * @param message what went wrong, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public MessageTypeMismatchException(
      Reason reason, Status.Code statusCode, String message, Throwable cause) {
    super(reason, statusCode, message, cause);
  }
}
