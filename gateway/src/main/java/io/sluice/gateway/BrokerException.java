package io.sluice.gateway;

import io.grpc.Status;
import io.sluice.actors.queue.WriteFailures;
import io.sluice.persistence.store.NotEnoughReplicasException;
import io.sluice.persistence.store.ReplicationTimeoutException;
import io.sluice.persistence.store.StorageFullException;
import io.sluice.protocol.v1.ItemStatus;
import io.sluice.protocol.v1.Reason;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.MetadataBuilder;
import org.apache.pekko.pattern.StatusReply;

/**
 * A request the broker refuses, with the gRPC status and the machine-readable {@link Reason} the
 * client maps to a typed exception. Becomes a failed call (status plus the {@code sluice-reason}
 * trailer) or, inside a batch, an {@link ItemStatus}.
 *
 * <p>Descriptions echo the client's input in single quotes ({@code topic 'x' does not exist}). An
 * echoed value longer than {@link #MAX_ECHO} characters is cut there (with {@code ...}), and a
 * description longer than {@link #MAX_DESCRIPTION} characters is cut too: a description travels
 * in the {@code grpc-message} trailer, and a trailer larger than the client's header limit would
 * fail the call as an HTTP/2 error instead of answering it.
 */
public final class BrokerException extends RuntimeException {
  /** The trailer that carries {@link #reason()} as the enum constant's name. */
  public static final String REASON_TRAILER = "sluice-reason";

  /** Longest echoed input kept in a description, in characters. */
  public static final int MAX_ECHO = 128;
  /** Longest description, in characters (up to 9 bytes each once percent-encoded in the trailer). */
  public static final int MAX_DESCRIPTION = 512;

  private static final Pattern LONG_QUOTE = Pattern.compile("'([^']{" + MAX_ECHO + "})[^']+'");

  private final Status.Code code;
  private final Reason reason;

  public BrokerException(Status.Code code, Reason reason, String message) {
    super(bounded(message), null, false, false);
    this.code = code;
    this.reason = reason;
  }

  /** {@code message} with long quoted input shortened, and at most {@link #MAX_DESCRIPTION} characters. */
  static String bounded(String message) {
    if (message == null) {
      return null;
    }
    String shortened = message.length() <= MAX_ECHO ? message : LONG_QUOTE.matcher(message).replaceAll("'$1...'");
    return shortened.length() <= MAX_DESCRIPTION ? shortened : shortened.substring(0, MAX_DESCRIPTION) + "...";
  }

  public static BrokerException invalid(Reason reason, String message) {
    return new BrokerException(Status.Code.INVALID_ARGUMENT, reason, message);
  }

  public static BrokerException busy(String message) {
    return new BrokerException(Status.Code.RESOURCE_EXHAUSTED, Reason.BROKER_BUSY, message);
  }

  /** The disk holding the node's store is (nearly) full: produce is refused until space is freed. */
  public static BrokerException storageFull(String message) {
    return new BrokerException(Status.Code.RESOURCE_EXHAUSTED, Reason.STORAGE_FULL, message);
  }

  /**
   * A store whose outcome the broker cannot tell: its append may still complete. Status {@code
   * DEADLINE_EXCEEDED}, which gRPC defines as "may have completed"; the client resends with the
   * same message id, which the queue's dedup window stores once.
   */
  public static BrokerException outcomeUnknown(String message) {
    return new BrokerException(Status.Code.DEADLINE_EXCEEDED, Reason.SEND_OUTCOME_UNKNOWN, message);
  }

  /**
   * A registry change (topic, retry policy) that a majority of nodes did not confirm in time: it
   * may still take effect. Status {@code UNAVAILABLE}; the message says the outcome is unknown.
   */
  public static BrokerException registryOutcomeUnknown(String message) {
    return new BrokerException(Status.Code.UNAVAILABLE, Reason.REASON_UNSPECIFIED, message);
  }

  /**
   * A sync broker group has fewer copies in its in-sync set than min-in-sync: the write was refused
   * and nothing of it stored. Status {@code UNAVAILABLE}: retry later.
   */
  public static BrokerException notEnoughReplicas(String message) {
    return new BrokerException(Status.Code.UNAVAILABLE, Reason.NOT_ENOUGH_REPLICAS, message);
  }

  /**
   * The store of the queue's broker group on this node is not (or no longer) the group's master (a
   * failover moved it): nothing was stored. Status {@code UNAVAILABLE}: resend, with the same
   * message id, to the group's current master.
   */
  public static BrokerException notMaster(String message) {
    return new BrokerException(Status.Code.UNAVAILABLE, Reason.NOT_MASTER, message);
  }

  /**
   * A sync write the in-sync set did not confirm within the replication timeout: it stays in the
   * master's log and may still commit. Status {@code DEADLINE_EXCEEDED} ("may have completed"); the
   * client resends with the same message id.
   */
  public static BrokerException replicationTimeout(String message) {
    return new BrokerException(Status.Code.DEADLINE_EXCEEDED, Reason.REPLICATION_TIMEOUT,
        message + "; outcome unknown: resend with the same message id");
  }

  public static BrokerException topicNotFound(String topic) {
    return new BrokerException(Status.Code.NOT_FOUND, Reason.TOPIC_NOT_FOUND, "topic '" + topic + "' does not exist");
  }

  public static BrokerException topicReadOnly(String topic) {
    return new BrokerException(Status.Code.PERMISSION_DENIED, Reason.TOPIC_READ_ONLY,
        "topic '" + topic + "' is owned by the broker: clients may read it, not send to, change or delete it");
  }

  public Status.Code code() {
    return code;
  }

  public Reason reason() {
    return reason;
  }

  public ItemStatus toItemStatus() {
    return ItemStatus.newBuilder().setCode(code.value()).setReason(reason).setMessage(getMessage()).build();
  }

  public GrpcServiceException toGrpc() {
    return new GrpcServiceException(
        Status.fromCode(code).withDescription(getMessage()),
        new MetadataBuilder().addText(REASON_TRAILER, reason.name()).build());
  }

  /**
   * {@code failure} of storing messages (an append, a timer's schedule, a half message): as {@link
   * #of}, except that a timeout leaves the outcome unknown ({@link #outcomeUnknown}), never "failed",
   * since the store may still complete.
   */
  public static BrokerException ofStore(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return outcomeUnknown("the broker could not confirm the store in time (" + cause.getMessage()
          + "); it may be stored: resend with the same message id");
    }
    return of(cause);
  }

  /** {@code failure} as the broker answers it: a {@link BrokerException} as is, anything else as unavailable. */
  public static BrokerException of(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof BrokerException broker) {
      return broker;
    }
    // The store's typed refusal, wherever it is in the chain (the journal and Pekko wrap it).
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof StorageFullException full) {
        return storageFull(full.getMessage());
      }
      if (t instanceof NotEnoughReplicasException few) {
        return notEnoughReplicas(few.getMessage());
      }
      if (t instanceof ReplicationTimeoutException late) {
        return replicationTimeout(late.getMessage());
      }
      if (t instanceof StatusReply.ErrorMessage error) {
        Optional<BrokerException> failedWrite = ofFailedWrite(error.getMessage());
        if (failedWrite.isPresent()) {
          return failedWrite.get();
        }
      }
    }
    // Ask timeouts land here: Pekko's AskTimeoutException (classic and sharding asks) and the typed
    // AskPattern's failure are both java.util.concurrent.TimeoutException subtypes (pinned by BrokerExceptionTest)
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return new BrokerException(Status.Code.UNAVAILABLE, Reason.BROKER_BUSY, "broker did not answer in time: " + cause.getMessage());
    }
    return new BrokerException(Status.Code.INTERNAL, Reason.STORAGE_ERROR, String.valueOf(cause));
  }

  /** A queue's answer to a write its journal failed ({@link WriteFailures}), as its reason says. */
  private static Optional<BrokerException> ofFailedWrite(String error) {
    return WriteFailures.reasonOf(error).map(reason -> {
      switch (reason) {
        case NOT_ENOUGH_REPLICAS:
          return notEnoughReplicas(error + ": too few replicas in sync, nothing stored");
        case REPLICATION_TIMEOUT:
          return replicationTimeout(error + ": the in-sync replicas did not confirm it in time");
        case STORAGE_FULL:
          return storageFull(error + ": the disk is full");
        case NOT_MASTER:
          return notMaster(error + ": this node does not master the queue's broker group now, nothing stored");
        default:
          return outcomeUnknown(error + "; it may be stored: resend with the same message id");
      }
    });
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof java.util.concurrent.CompletionException
            || cause instanceof java.util.concurrent.ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
