package io.sluice.client;

import io.grpc.Status;

/** A topic of that name exists already ({@link Reason#TOPIC_EXISTS}). */
public class TopicExistsException extends SluiceException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param reason the broker's reason
   * @param statusCode the gRPC status code
   * @param message what went wrong, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public TopicExistsException(
      Reason reason, Status.Code statusCode, String message, Throwable cause) {
    super(reason, statusCode, message, cause);
  }
}
