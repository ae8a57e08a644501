package io.sluice.actors.topic;

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
 * The topic registry as it was kept before Distributed Data: events in this node's journal
 * (persistence id {@code topic-registry}). {@link #importInto} replays them once, hands the topics
 * to the {@link TopicRegistry} and marks the journal imported, so a node upgraded in place keeps
 * every topic, and a topic deleted afterwards is not imported again.
 */
public final class TopicJournal
    extends EventSourcedBehaviorWithEnforcedReplies<TopicJournal.Command, TopicRegistry.Event, TopicJournal.State> {

  public sealed interface Command extends CborSerializable {}

  public record Read(ActorRef<State> replyTo) implements Command {}

  public record MarkImported(ActorRef<Done> replyTo) implements Command {}

  public enum Stop implements Command {
    INSTANCE
  }

  /** What the old journal holds, and whether it was imported already. */
  public record State(Topics topics, boolean imported) implements CborSerializable {
    boolean needsImport() {
      return !imported && !topics.lastIncarnations().isEmpty();
    }
  }

  private TopicJournal() {
    super(PersistenceId.ofUniqueId("topic-registry"));
  }

  /**
   * Imports this node's old registry into {@code registry} unless it is empty or imported already.
   * Completes with the number of names handed over (0 if none).
   */
  public static CompletionStage<Integer> importInto(
      ActorSystem<?> system, ActorRef<TopicRegistry.Command> registry, String brokerGroup, Duration timeout) {
    ActorRef<Command> journal = system.systemActorOf(new TopicJournal(), "topic-journal-import", Props.empty());
    return AskPattern.<Command, State>ask(journal, Read::new, timeout, system.scheduler())
        .thenCompose(state -> {
          if (!state.needsImport()) {
            return CompletableFuture.completedFuture(0);
          }
          return AskPattern.<TopicRegistry.Command, TopicRegistry.Change>ask(registry,
                  replyTo -> new TopicRegistry.ImportTopics(state.topics(), brokerGroup, replyTo), timeout, system.scheduler())
              .thenCompose(change -> {
                if (!(change instanceof TopicRegistry.Changed)) {
                  throw new IllegalStateException("importing the journal's topics failed: " + change);
                }
                return AskPattern.<Command, Done>ask(journal, MarkImported::new, timeout, system.scheduler());
              })
              .thenApply(done -> state.topics().lastIncarnations().size());
        })
        .whenComplete((n, failure) -> journal.tell(Stop.INSTANCE));
  }

  @Override
  public State emptyState() {
    return new State(Topics.EMPTY, false);
  }

  @Override
  public CommandHandlerWithReply<Command, TopicRegistry.Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Read.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .onCommand(MarkImported.class, (state, cmd) -> Effect().persist(new TopicRegistry.TopicsImported())
            .thenReply(cmd.replyTo(), s -> Done.getInstance()))
        .onCommand(Stop.class, (state, cmd) -> Effect().stop().thenNoReply())
        .build();
  }

  @Override
  public EventHandler<State, TopicRegistry.Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TopicRegistry.TopicCreated.class, (state, e) -> new State(state.topics().with(e.topic()), state.imported()))
        .onEvent(TopicRegistry.TopicUpdated.class, (state, e) -> new State(state.topics().with(e.topic()), state.imported()))
        .onEvent(TopicRegistry.TopicDeleted.class, (state, e) -> new State(state.topics().without(e.name()), state.imported()))
        .onEvent(TopicRegistry.TopicsImported.class, (state, e) -> new State(state.topics(), true))
        .build();
  }
}
