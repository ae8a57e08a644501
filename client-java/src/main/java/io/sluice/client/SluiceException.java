package io.sluice.client;

import io.grpc.Status;
import java.util.Objects;

/**
 * Base of every failure the client reports: unchecked, carrying the broker's {@link Reason} and the
 * gRPC status code of the call (or of the per-message status inside a batch). Catch a subclass for
 * the cases an application usually handles differently ({@link TopicNotFoundException}, {@link
 * BrokerBusyException}, ...); an instance of this class itself means a failure without a more
 * specific type (for example {@link Reason#GROUP_NOT_FOUND} or {@link Reason#STORAGE_ERROR}).
 *
 * <p>Instances are created by the client; the public constructors exist so that the client's
 * internal package can create them and tests can build them.
 */
public class SluiceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The broker's reason. */
  private final Reason reason;

  /** The gRPC status code. */
  private final Status.Code statusCode;

  /**
   * Creates an exception.
   *
   * @param reason the broker's reason, {@link Reason#UNSPECIFIED} if none
   * @param statusCode the gRPC status code
   * @param message what went wrong, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public SluiceException(Reason reason, Status.Code statusCode, String message, Throwable cause) {
    super(message + " [" + reason + ", " + statusCode + "]", cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.statusCode = Objects.requireNonNull(statusCode, "statusCode");
  }

  /**
   * The broker's machine-readable reason.
   *
   * @return the reason, {@link Reason#UNSPECIFIED} if the broker gave none
   */
  public Reason reason() {
    return reason;
  }

  /**
   * The gRPC status code of the failed call or item.
   *
   * @return the status code
   */
  public Status.Code statusCode() {
    return statusCode;
  }

  /**
   * Whether repeating the same request later may succeed: the broker was unreachable or busy. These
   * are the failures the client retries by itself (see {@link SluiceClient.Builder#maxAttempts}).
   *
   * <p>{@link Reason#SEND_OUTCOME_UNKNOWN} and {@link Reason#REPLICATION_TIMEOUT} are retriable too,
   * but only under the same message id: the message may be stored, and the broker stores a resent
   * id once within its dedup window.
   *
   * @return true for {@link Status.Code#UNAVAILABLE} (which {@link Reason#NOT_MASTER} and {@link
   *     Reason#NOT_ENOUGH_REPLICAS} carry), {@link Reason#BROKER_BUSY}, {@link
   *     Reason#SEND_OUTCOME_UNKNOWN} and {@link Reason#REPLICATION_TIMEOUT}
   */
  public boolean isRetriable() {
    return statusCode == Status.Code.UNAVAILABLE || reason == Reason.BROKER_BUSY
        || reason == Reason.SEND_OUTCOME_UNKNOWN || reason == Reason.REPLICATION_TIMEOUT;
  }
}
