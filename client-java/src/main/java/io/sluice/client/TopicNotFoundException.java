package io.sluice.client;

import io.grpc.Status;

/** The topic named in the request does not exist ({@link Reason#TOPIC_NOT_FOUND}). */
public class TopicNotFoundException extends SluiceException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param reason the broker's reason
   * @param statusCode the gRPC status code
   * @param message what went wrong, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public TopicNotFoundException(
      Reason reason, Status.Code statusCode, String message, Throwable cause) {
    super(reason, statusCode, message, cause);
  }
}
