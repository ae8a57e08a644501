package io.sluice.client;

import io.grpc.Status;

/**
 * The broker is overloaded ({@link Reason#BROKER_BUSY}), or the producer's local send buffer is
 * full (same reason, status {@link Status.Code#RESOURCE_EXHAUSTED}). Retry later; synchronous calls
 * are retried by the client before this is thrown.
 */
public class BrokerBusyException extends SluiceException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param reason the broker's reason
   * @param statusCode the gRPC status code
   * @param message what went wrong, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public BrokerBusyException(
      Reason reason, Status.Code statusCode, String message, Throwable cause) {
    super(reason, statusCode, message, cause);
  }
}
