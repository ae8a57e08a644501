package io.sluice.actors.group;

import io.sluice.actors.CborSerializable;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;

/**
 * The consumer group registry as it was kept before Distributed Data: events in this node's journal
 * (persistence id {@code consumer-group-registry}). {@link #importInto} replays them once, hands the
 * policies to the {@link ConsumerGroupRegistry} and marks the journal imported.
 */
public final class PolicyJournal
    extends EventSourcedBehaviorWithEnforcedReplies<PolicyJournal.Command, ConsumerGroupRegistry.Event, PolicyJournal.State> {

  public sealed interface Command extends CborSerializable {}

  public record Read(ActorRef<State> replyTo) implements Command {}

  public record MarkImported(ActorRef<Done> replyTo) implements Command {}

  public enum Stop implements Command {
    INSTANCE
  }

  /** What the old journal holds, and whether it was imported already. */
  public record State(RetryPolicies policies, boolean imported) implements CborSerializable {
    boolean needsImport() {
      return !imported && !policies.byGroup().isEmpty();
    }
  }

  private PolicyJournal() {
    super(PersistenceId.ofUniqueId("consumer-group-registry"));
  }

  /** Imports this node's old policies unless there are none or they were imported; completes with how many. */
  public static CompletionStage<Integer> importInto(
      ActorSystem<?> system, ActorRef<ConsumerGroupRegistry.Command> registry, Duration timeout) {
    ActorRef<Command> journal = system.systemActorOf(new PolicyJournal(), "policy-journal-import", Props.empty());
    return AskPattern.<Command, State>ask(journal, Read::new, timeout, system.scheduler())
        .thenCompose(state -> {
          if (!state.needsImport()) {
            return CompletableFuture.completedFuture(0);
          }
          return AskPattern.<ConsumerGroupRegistry.Command, org.apache.pekko.pattern.StatusReply<RetryPolicies>>ask(
                  registry, replyTo -> new ConsumerGroupRegistry.ImportRetryPolicies(state.policies(), replyTo),
                  timeout, system.scheduler())
              .thenCompose(reply -> {
                if (reply.isError()) {
                  throw new IllegalStateException("importing the journal's retry policies failed: " + reply.getError());
                }
                return AskPattern.<Command, Done>ask(journal, MarkImported::new, timeout, system.scheduler());
              })
              .thenApply(done -> state.policies().byGroup().size());
        })
        .whenComplete((n, failure) -> journal.tell(Stop.INSTANCE));
  }

  @Override
  public State emptyState() {
    return new State(RetryPolicies.EMPTY, false);
  }

  @Override
  public CommandHandlerWithReply<Command, ConsumerGroupRegistry.Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Read.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .onCommand(MarkImported.class, (state, cmd) -> Effect().persist(new ConsumerGroupRegistry.RetryPoliciesImported())
            .thenReply(cmd.replyTo(), s -> Done.getInstance()))
        .onCommand(Stop.class, (state, cmd) -> Effect().stop().thenNoReply())
        .build();
  }

  @Override
  public EventHandler<State, ConsumerGroupRegistry.Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ConsumerGroupRegistry.RetryPolicySet.class,
            (state, e) -> new State(state.policies().with(e.group(), e.policy()), state.imported()))
        .onEvent(ConsumerGroupRegistry.RetryPoliciesImported.class, (state, e) -> new State(state.policies(), true))
        .build();
  }
}
