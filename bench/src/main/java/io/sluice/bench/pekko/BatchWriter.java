package io.sluice.bench.pekko;

import java.util.Collections;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;

/**
 * An entity that persists a fixed batch of events per command, then replies: {@code PersistBatch} →
 * {@code batchSize} byte[] events (one {@code persistAll}, one atomic write) → state counts them.
 * Events are {@code byte[]}, which Pekko binds to its ByteArraySerializer, so the journal sees
 * exactly the payload bytes.
 */
public final class BatchWriter
    extends EventSourcedBehaviorWithEnforcedReplies<
        BatchWriter.Command, byte[], BatchWriter.State> {

  public sealed interface Command {}

  public record PersistBatch(ActorRef<Done> replyTo) implements Command {}

  public record State(long events) {
    State withOneMore() {
      return new State(events + 1);
    }
  }

  private final List<byte[]> batch;

  private BatchWriter(PersistenceId persistenceId, byte[] payload, int batchSize) {
    super(persistenceId);
    this.batch = Collections.nCopies(batchSize, payload);
  }

  /** The shared {@code payload} array is never modified, so every event may reference it. */
  public static BatchWriter create(String persistenceId, byte[] payload, int batchSize) {
    return new BatchWriter(PersistenceId.ofUniqueId(persistenceId), payload, batchSize);
  }

  @Override
  public State emptyState() {
    return new State(0);
  }

  @Override
  public CommandHandlerWithReply<Command, byte[], State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(PersistBatch.class, this::onPersistBatch)
        .build();
  }

  private org.apache.pekko.persistence.typed.javadsl.ReplyEffect<byte[], State> onPersistBatch(
      State state, PersistBatch command) {
    return Effect().persist(batch).thenReply(command.replyTo(), s -> Done.getInstance());
  }

  @Override
  public EventHandler<State, byte[]> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> state.withOneMore());
  }
}
