package io.sluice.actors.queue;

import io.sluice.protocol.v1.Reason;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a {@link Queue} answers an append whose journal write failed. Pekko restarts the entity
 * without telling it the cause, so the queue would leave its caller to time out; instead it
 * answers the append at once (when it restarts) with an error that names a {@link Reason}, which
 * its node's {@link Classifier} picks from the state of the node's store (the journal's sync gate:
 * too few replicas in sync, or a replication timeout). The reason travels in the error's text,
 * since a {@code StatusReply} error crosses nodes as text.
 */
public final class WriteFailures {
  private static final Pattern REASON = Pattern.compile("^journal write failed \\[([A-Z_]+)\\]");

  private WriteFailures() {}

  /** What a failed write of this node's journal means now. */
  @FunctionalInterface
  public interface Classifier {
    Reason reason();
  }

  /** Without a store to ask: the write may have been stored. */
  public static final Classifier OUTCOME_UNKNOWN = () -> Reason.SEND_OUTCOME_UNKNOWN;

  /** The error text for queue {@code entityId}'s failed write. */
  public static String describe(Reason reason, String entityId) {
    return "journal write failed [" + reason.name() + "] in queue " + entityId;
  }

  /** The reason in an error text {@link #describe} wrote. */
  public static Optional<Reason> reasonOf(String error) {
    Matcher m = error == null ? null : REASON.matcher(error);
    if (m == null || !m.find()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Reason.valueOf(m.group(1)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
