package io.sluice.client;

/**
 * Machine-readable reason of a failure, as the broker reports it in the {@code sluice-reason}
 * trailer of a failed call or in the per-item status of a batch response. Mirrors the protocol's
 * {@code sluice.v1.Reason}; a reason this client version does not know arrives as {@link
 * #UNSPECIFIED}.
 */
public enum Reason {
  /** No reason was given (or the client does not know the one given); look at the status code. */
  UNSPECIFIED,
  /** The topic does not exist. */
  TOPIC_NOT_FOUND,
  /** The topic exists already (create). */
  TOPIC_EXISTS,
  /** The body is larger than the broker's (or the client's buffer's) maximum. */
  MESSAGE_TOO_LARGE,
  /** The body is empty. */
  MESSAGE_BODY_EMPTY,
  /** A topic, group, tag, key or property name is empty, too long or has illegal characters. */
  INVALID_NAME,
  /** A receipt handle is unknown, malformed, or its delivery expired, was acked or redelivered. */
  INVALID_RECEIPT,
  /** An invisible duration outside the allowed range (1 s .. 12 h). */
  INVALID_INVISIBLE_DURATION,
  /** A filter expression that does not parse. */
  INVALID_FILTER,
  /** The broker (or the client's send buffer) is overloaded; retry later. */
  BROKER_BUSY,
  /** The consumer group is not known to the broker. */
  GROUP_NOT_FOUND,
  /** Any other invalid argument (counts, bounds). */
  INVALID_ARGUMENT,
  /** The broker failed to store or read. */
  STORAGE_ERROR,
  /** The message type of the topic does not allow this operation. */
  MESSAGE_TYPE_MISMATCH,
  /** A delayed message to cancel is not waiting: delivered, cancelled, or never scheduled. */
  MESSAGE_NOT_PENDING,
  /** The broker holds no transaction with this id (of this producer group) on the named queues. */
  TRANSACTION_NOT_FOUND,
  /** The transaction was resolved already with the other outcome: COMMIT and ROLLBACK are final. */
  TRANSACTION_RESOLVED,
  /** The broker's disk is full or above its usage threshold: writes are refused, reads served. */
  STORAGE_FULL,
  /** The broker could not tell in time whether the message was stored; resend it with its id. */
  SEND_OUTCOME_UNKNOWN,
  /** The topic is owned by the broker (e.g. a dead-letter topic): read-only to clients. */
  TOPIC_READ_ONLY,
  /** The node owning the queue's data (its broker group) is down; retry later or use another queue. */
  QUEUE_UNAVAILABLE,
  /** The node is not the master of the queue's broker group; nothing stored, send again. */
  NOT_MASTER,
  /** Too few replicas are in sync for the queue's synchronous broker group; nothing stored, retry later. */
  NOT_ENOUGH_REPLICAS,
  /** Stored on the master but not confirmed by its replicas in time; resend with the same message id. */
  REPLICATION_TIMEOUT
}
