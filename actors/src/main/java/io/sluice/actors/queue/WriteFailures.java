package io.sluice.actors.queue;

import io.sluice.protocol.v1.Reason;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a {@link Queue} answers an append whose journal write failed. Pekko restarts the entity
 * and drops the command, so the queue would leave its caller to time out; instead it answers the
 * append at once (on Pekko's {@code JournalPersistFailed} signal) with an error that names a
 * {@link Reason}, which its node's {@link Classifier} picks from the journal's exception (the
 * storage's types are the gateway's to know: too few replicas in sync, a replication timeout, a
 * full disk). The reason travels in the error's text, since a {@code StatusReply} error crosses
 * nodes as text.
 */
public final class WriteFailures {
  private static final Pattern REASON = Pattern.compile("^journal write failed \\[([A-Z_]+)\\]");

  private WriteFailures() {}

  /** What a journal write's failure means for its caller. */
  @FunctionalInterface
  public interface Classifier {
    /** @param failure the journal's exception, null when unknown */
    Reason reasonOf(Throwable failure);
  }

  /** Without knowledge of the journal's exceptions: the write may have been stored. */
  public static final Classifier OUTCOME_UNKNOWN = failure -> Reason.SEND_OUTCOME_UNKNOWN;

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
