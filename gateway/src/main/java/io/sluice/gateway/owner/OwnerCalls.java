package io.sluice.gateway.owner;

import io.sluice.actors.CborSerializable;
import io.sluice.gateway.BrokerException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Answers, on the node serving a broker group, the admin calls that read the group's store
 * (message lookups, queue offsets for a reset, dead letters): one per group the node serves (its
 * own unreplicated group, each replicated group it is the ACTIVE master of), registered with the
 * receptionist under the group's key while it serves it, so any node can hand such a call to the
 * owner. Requests
 * and answers travel as the bytes of their protobuf messages (the gRPC request and response, or
 * {@link Kind}'s stated form), so the one CBOR binding carries them across nodes.
 */
public final class OwnerCalls {
  private OwnerCalls() {}

  /** The calls; each names its request and response form. */
  public enum Kind {
    /** {@code QueryMessagesRequest} -> {@code QueryMessagesResponse}: this node's store only. */
    QUERY_MESSAGES,
    /** {@code ResetConsumerGroupOffsetRequest} -> every queue's offset in this store, as {@link QueueOffsets} bytes. */
    QUEUE_OFFSETS,
    /** {@code ListDeadLettersRequest} -> {@code ListDeadLettersResponse}. */
    LIST_DEAD_LETTERS,
    /** {@code RedriveDeadLettersRequest} -> {@code RedriveDeadLettersResponse}. */
    REDRIVE_DEAD_LETTERS
  }

  /** Runs a call against the store of a group this node serves. */
  @FunctionalInterface
  public interface Local {
    /**
     * @return the response bytes, or a stage failed with a {@link BrokerException}
     */
    CompletionStage<byte[]> run(String group, Kind kind, byte[] request);
  }

  public sealed interface Command extends CborSerializable {}

  /**
   * A call for this node's store.
   *
   * @param request the request's protobuf bytes; never changed after construction
   */
  public record Call(Kind kind, byte[] request, ActorRef<Reply> replyTo) implements Command {}

  /**
   * The answer: the response bytes, or the refusal as the owner mapped it (status code, reason).
   *
   * @param response the response's bytes, empty on failure; never changed after construction
   * @param statusCode a gRPC status code, 0 (OK) on success
   * @param reason the {@code sluice.v1.Reason} number of a failure
   * @param error the failure's description, empty on success
   */
  public record Reply(byte[] response, int statusCode, int reason, String error) implements CborSerializable {}

  private record Done(Reply reply, ActorRef<Reply> replyTo) implements Command {}

  /** Stops answering: the node no longer serves the group (the receptionist forgets a stopped actor). */
  public enum Stop implements Command { INSTANCE }

  /** The receptionist key of broker group {@code group}'s owner. */
  public static ServiceKey<Command> keyOf(String group) {
    return ServiceKey.create(Command.class, "sluice-owner-calls-" + group);
  }

  /** The behavior, registered under {@code group}'s key. */
  public static Behavior<Command> create(String group, Local local) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(keyOf(group), ctx.getSelf()));
      return Behaviors.receive(Command.class)
          .onMessage(Call.class, call -> {
            CompletionStage<byte[]> answer;
            try {
              answer = local.run(group, call.kind(), call.request());
            } catch (RuntimeException e) {
              answer = java.util.concurrent.CompletableFuture.failedFuture(e);
            }
            ctx.pipeToSelf(answer, (bytes, failure) -> new Done(reply(bytes, failure), call.replyTo()));
            return Behaviors.same();
          })
          .onMessage(Done.class, done -> {
            done.replyTo().tell(done.reply());
            return Behaviors.same();
          })
          .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
          .build();
    });
  }

  private static Reply reply(byte[] bytes, Throwable failure) {
    if (failure == null) {
      return new Reply(bytes, 0, 0, "");
    }
    BrokerException e = BrokerException.of(failure);
    return new Reply(new byte[0], e.code().value(), e.reason().getNumber(), e.getMessage());
  }
}
