package io.sluice.actors.replication;

import com.google.protobuf.ByteString;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The CommitLog replication protocol between a broker group's master and its replicas (pull-based,
 * shared/CLUSTER.md 4.5). A replica says {@link Hello} with its last epoch and log end; the master
 * answers {@link Welcome} with the position the replica must truncate to. Then the replica sends
 * {@link Fetch} from its log end, whose {@code confirmedPosition} is its ack of everything before,
 * and the master answers with a {@link Chunk} of verbatim CommitLog bytes (long-polled when there is
 * nothing new), a {@link Reset} when retention removed the asked position, or {@link Refused} (a
 * stale epoch, or a node that does not master the group): the replica says Hello again. Every
 * message crosses nodes (protobuf, {@code sluice/internal/v1/replication.proto}); chunks go on
 * Artery's large-message stream.
 */
public final class Replication {
  private Replication() {}

  /** What a group's master serves. */
  public sealed interface SourceCommand {}

  /** The answers to a {@link Fetch}. */
  public sealed interface FetchReply {}

  /** The receptionist key of broker group {@code group}'s replication source (its master). */
  public static ServiceKey<SourceCommand> keyOf(String group) {
    return ServiceKey.create(SourceCommand.class, "sluice-replication-" + group);
  }

  /**
   * A replica's handshake.
   *
   * @param lastEpoch the epoch of the replica's last epoch entry, 0 if it has none
   * @param endPosition the replica's log end
   */
  public record Hello(String group, String replicaId, long lastEpoch, long endPosition, ActorRef<Welcome> replyTo)
      implements SourceCommand {}

  /**
   * The master's answer to {@link Hello}.
   *
   * @param epoch the master's current epoch, to be sent with every fetch
   * @param truncateTo where the replica's log stops agreeing with the master's (at most its end)
   * @param masterMinPosition the master's lowest held position: a replica whose log ends below it
   *     resets to it
   * @param minPositionEpoch the master's epoch in force at {@code masterMinPosition}, 0 if none: a
   *     reset replica keeps it as its first epoch
   */
  public record Welcome(long epoch, long truncateTo, long masterMinPosition, long minPositionEpoch) {}

  /**
   * Asks for the log from {@code position}.
   *
   * @param confirmedPosition the replica holds the log below this position (its ack)
   */
  public record Fetch(String group, String replicaId, long epoch, long position, long confirmedPosition,
      ActorRef<FetchReply> replyTo) implements SourceCommand {}

  /**
   * Whole records of one epoch from {@code position}; empty when nothing arrived within the long-poll.
   *
   * @param nextPosition where the next fetch continues (past a segment's end marker, the next segment)
   * @param commitPosition the master's commit position: the replicas know what is committed
   * @param masterMinPosition the master's lowest held position: a replica may drop what is below
   */
  public record Chunk(long epoch, long position, ByteString bytes, long nextPosition, long commitPosition,
      long masterMinPosition) implements FetchReply {}

  /**
   * The asked position was removed by the master's retention: start an empty log at {@code
   * masterMinPosition}, in epoch {@code minPositionEpoch} (the master's there, 0 if none).
   */
  public record Reset(long epoch, long masterMinPosition, long minPositionEpoch) implements FetchReply {}

  /** The fetch is not served (a stale epoch, another group): hand-shake again. */
  public record Refused(long epoch, String reason) implements FetchReply {}
}
