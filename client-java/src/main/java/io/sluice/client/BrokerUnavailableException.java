package io.sluice.client;

import io.grpc.Status;

/**
 * No broker answered: every attempt failed with {@link Status.Code#UNAVAILABLE} (unreachable,
 * connection lost, stream closed) or the call exceeded the request timeout ({@link
 * Status.Code#DEADLINE_EXCEEDED}). A timed-out send may still have been stored; resending the same
 * {@link Message} keeps its message id so consumers can deduplicate.
 */
public class BrokerUnavailableException extends SluiceException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param reason the broker's reason
   * @param statusCode the gRPC status code
   * @param message what went wrong, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public BrokerUnavailableException(
      Reason reason, Status.Code statusCode, String message, Throwable cause) {
    super(reason, statusCode, message, cause);
  }
}
