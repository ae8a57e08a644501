package io.sluice.client.internal;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.sluice.client.BrokerBusyException;
import io.sluice.client.BrokerUnavailableException;
import io.sluice.client.InvalidArgumentException;
import io.sluice.client.InvalidReceiptException;
import io.sluice.client.MessageNotPendingException;
import io.sluice.client.MessageTooLargeException;
import io.sluice.client.MessageTypeMismatchException;
import io.sluice.client.Reason;
import io.sluice.client.SluiceException;
import io.sluice.client.TopicExistsException;
import io.sluice.client.TopicNotFoundException;
import io.sluice.client.TransactionNotFoundException;
import io.sluice.client.TransactionResolvedException;
import io.sluice.protocol.v1.ItemStatus;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.grpc.GrpcClientCloseException;
import org.apache.pekko.grpc.internal.ClientConnectionException;

/**
 * The one mapping from broker failures to the client's typed exceptions, keyed on the reason first
 * and the status code second (never on message text); the reason is kept on the exception either
 * way. Two sources: a failed call (gRPC status plus the {@code sluice-reason} trailer holding a
 * {@code sluice.v1.Reason} name) and a per-item {@link ItemStatus} inside a batch response.
 *
 * <table>
 *   <caption>mapping</caption>
 *   <tr><th>reason</th><th>exception</th></tr>
 *   <tr><td>TOPIC_NOT_FOUND</td><td>TopicNotFoundException</td></tr>
 *   <tr><td>TOPIC_EXISTS</td><td>TopicExistsException</td></tr>
 *   <tr><td>MESSAGE_TOO_LARGE</td><td>MessageTooLargeException</td></tr>
 *   <tr><td>INVALID_RECEIPT</td><td>InvalidReceiptException</td></tr>
 *   <tr><td>BROKER_BUSY</td><td>BrokerBusyException</td></tr>
 *   <tr><td>SEND_OUTCOME_UNKNOWN (status DEADLINE_EXCEEDED: the message may be stored)</td>
 *       <td>BrokerUnavailableException, retriable under the same message id</td></tr>
 *   <tr><td>REPLICATION_TIMEOUT (status DEADLINE_EXCEEDED: stored on the master, may commit)</td>
 *       <td>BrokerUnavailableException, retriable under the same message id</td></tr>
 *   <tr><td>NOT_MASTER, NOT_ENOUGH_REPLICAS (status UNAVAILABLE: nothing stored)</td>
 *       <td>BrokerUnavailableException</td></tr>
 *   <tr><td>MESSAGE_TYPE_MISMATCH</td><td>MessageTypeMismatchException (an
 *       InvalidArgumentException)</td></tr>
 *   <tr><td>TRANSACTION_NOT_FOUND</td><td>TransactionNotFoundException</td></tr>
 *   <tr><td>TRANSACTION_RESOLVED</td><td>TransactionResolvedException</td></tr>
 *   <tr><td>MESSAGE_NOT_PENDING</td><td>MessageNotPendingException</td></tr>
 *   <tr><td>MESSAGE_BODY_EMPTY, INVALID_NAME, INVALID_INVISIBLE_DURATION, INVALID_FILTER,
 *       INVALID_ARGUMENT</td><td>InvalidArgumentException</td></tr>
 *   <tr><td>GROUP_NOT_FOUND, STORAGE_ERROR or none, with status UNAVAILABLE or DEADLINE_EXCEEDED
 *       (or a connection failure)</td><td>BrokerUnavailableException</td></tr>
 *   <tr><td>GROUP_NOT_FOUND, STORAGE_ERROR or none, with status INVALID_ARGUMENT</td>
 *       <td>InvalidArgumentException</td></tr>
 *   <tr><td>GROUP_NOT_FOUND, STORAGE_ERROR or none, with any other status</td>
 *       <td>SluiceException</td></tr>
 * </table>
 *
 * <p>{@code RESOURCE_EXHAUSTED} without a reason is not taken for "busy": gRPC also uses it for an
 * oversized frame, which no retry fixes.
 */
public final class ErrorMapper {
  /** The trailer carrying the reason: ASCII, the {@code sluice.v1.Reason} enum constant's name. */
  public static final Metadata.Key<String> REASON_KEY =
      Metadata.Key.of("sluice-reason", Metadata.ASCII_STRING_MARSHALLER);

  private ErrorMapper() {}

  /**
   * Maps any failure of a call or stream.
   *
   * @param failure the failure, possibly wrapped in {@link CompletionException} or {@link
   *     ExecutionException}
   * @return the typed exception (the failure itself if it is one already)
   */
  public static SluiceException fromThrowable(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof SluiceException se) {
      return se;
    }
    if (t instanceof StatusRuntimeException || t instanceof StatusException) {
      Status status = Status.fromThrowable(t);
      Metadata trailers = Status.trailersFromThrowable(t);
      String reasonName = trailers == null ? null : trailers.get(REASON_KEY);
      return create(parseReason(reasonName), status.getCode(), describe(status), t);
    }
    if (isConnectionFailure(t)) {
      return new BrokerUnavailableException(
          Reason.UNSPECIFIED, Status.Code.UNAVAILABLE, "connection to the broker failed: " + t, t);
    }
    return new SluiceException(Reason.UNSPECIFIED, Status.Code.UNKNOWN, String.valueOf(t), t);
  }

  /**
   * Maps the status of one item of a batch response.
   *
   * @param status the item's status; its code must not be 0
   * @return the typed exception
   */
  public static SluiceException fromItemStatus(ItemStatus status) {
    Status.Code code = Status.fromCodeValue(status.getCode()).getCode();
    Reason reason = fromProto(status.getReason());
    String message = status.getMessage().isEmpty() ? "rejected by the broker" : status.getMessage();
    return create(reason, code, message, null);
  }

  /**
   * Creates the exception type for a reason and status code.
   *
   * @param reason the reason
   * @param code the status code
   * @param message the text
   * @param cause the cause or null
   * @return the typed exception
   */
  public static SluiceException create(
      Reason reason, Status.Code code, String message, Throwable cause) {
    switch (reason) {
      case TOPIC_NOT_FOUND:
        return new TopicNotFoundException(reason, code, message, cause);
      case TOPIC_EXISTS:
        return new TopicExistsException(reason, code, message, cause);
      case MESSAGE_TOO_LARGE:
        return new MessageTooLargeException(reason, code, message, cause);
      case INVALID_RECEIPT:
        return new InvalidReceiptException(reason, code, message, cause);
      case BROKER_BUSY:
        return new BrokerBusyException(reason, code, message, cause);
      case SEND_OUTCOME_UNKNOWN:
      case REPLICATION_TIMEOUT:
      case NOT_MASTER:
      case NOT_ENOUGH_REPLICAS:
        return new BrokerUnavailableException(reason, code, message, cause);
      case MESSAGE_TYPE_MISMATCH:
        return new MessageTypeMismatchException(reason, code, message, cause);
      case TRANSACTION_NOT_FOUND:
        return new TransactionNotFoundException(reason, code, message, cause);
      case TRANSACTION_RESOLVED:
        return new TransactionResolvedException(reason, code, message, cause);
      case MESSAGE_NOT_PENDING:
        return new MessageNotPendingException(reason, code, message, cause);
      case MESSAGE_BODY_EMPTY:
      case INVALID_NAME:
      case INVALID_INVISIBLE_DURATION:
      case INVALID_FILTER:
      case INVALID_ARGUMENT:
        return new InvalidArgumentException(reason, code, message, cause);
      case GROUP_NOT_FOUND:
      case STORAGE_ERROR:
      case UNSPECIFIED:
      default:
        return byCode(reason, code, message, cause);
    }
  }

  private static SluiceException byCode(
      Reason reason, Status.Code code, String message, Throwable cause) {
    switch (code) {
      case UNAVAILABLE:
      case DEADLINE_EXCEEDED:
        return new BrokerUnavailableException(reason, code, message, cause);
      case INVALID_ARGUMENT:
        return new InvalidArgumentException(reason, code, message, cause);
      default:
        return new SluiceException(reason, code, message, cause);
    }
  }

  /**
   * Reads a trailer value; unknown or missing names give {@link Reason#UNSPECIFIED}.
   *
   * @param name the {@code sluice.v1.Reason} name, or null
   * @return the reason
   */
  public static Reason parseReason(String name) {
    if (name == null || name.isEmpty()) {
      return Reason.UNSPECIFIED;
    }
    if (name.equals("REASON_UNSPECIFIED")) {
      return Reason.UNSPECIFIED;
    }
    try {
      return Reason.valueOf(name.trim());
    } catch (IllegalArgumentException e) {
      return Reason.UNSPECIFIED;
    }
  }

  /**
   * Converts the protocol's reason.
   *
   * @param reason the protobuf enum
   * @return ours; unknown values give {@link Reason#UNSPECIFIED}
   */
  public static Reason fromProto(io.sluice.protocol.v1.Reason reason) {
    if (reason == io.sluice.protocol.v1.Reason.UNRECOGNIZED) {
      return Reason.UNSPECIFIED;
    }
    return parseReason(reason.name());
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cur = t;
    while ((cur instanceof CompletionException || cur instanceof ExecutionException)
        && cur.getCause() != null) {
      cur = cur.getCause();
    }
    return cur;
  }

  private static boolean isConnectionFailure(Throwable t) {
    return t instanceof IOException
        || t instanceof GrpcClientCloseException
        || t instanceof ClientConnectionException;
  }

  private static String describe(Status status) {
    String d = status.getDescription();
    return d == null || d.isEmpty() ? "call failed with " + status.getCode() : d;
  }
}
