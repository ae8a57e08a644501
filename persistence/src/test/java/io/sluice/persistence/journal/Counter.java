package io.sluice.persistence.journal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * A test entity on the default journal: {@code Add} persists {@code Added}, which adds to the total
 * and remembers its key. Each event carries the filter tag {@link #FILTER_TAG}; with {@code
 * indexTags} also a key tag ({@code key:<key>}) and a message-id tag ({@code id:<persistence
 * id>/<key>}), which the store indexes.
 */
public final class Counter
    extends EventSourcedBehaviorWithEnforcedReplies<Counter.Command, Counter.Event, Counter.State> {

  public sealed interface Command {}

  /** Adds {@code amount} under {@code key}; replies with the new total. */
  public record Add(String key, int amount, ActorRef<Long> replyTo) implements Command {}

  public record Get(ActorRef<State> replyTo) implements Command {}

  public sealed interface Event {}

  public record Added(String key, int amount) implements Event {}

  public record State(long total, List<String> keys) {
    static final State EMPTY = new State(0, List.of());

    public State {
      keys = Collections.unmodifiableList(new ArrayList<>(keys));
    }

    State plus(Added e) {
      List<String> more = new ArrayList<>(keys);
      more.add(e.key());
      return new State(total + e.amount(), more);
    }
  }

  public static final String FILTER_TAG = "tag:counter";

  private final boolean indexTags;

  public static Behavior<Command> create(String persistenceId, boolean indexTags) {
    return new Counter(PersistenceId.ofUniqueId(persistenceId), indexTags);
  }

  private Counter(PersistenceId persistenceId, boolean indexTags) {
    super(persistenceId);
    this.indexTags = indexTags;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Add.class, this::onAdd)
        .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), state))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onEvent(Added.class, State::plus).build();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    if (!indexTags) {
      return Set.of(FILTER_TAG);
    }
    Added added = (Added) event;
    return Set.of(
        FILTER_TAG, "key:" + added.key(), "id:" + persistenceId().id() + "/" + added.key());
  }

  private ReplyEffect<Event, State> onAdd(State state, Add add) {
    return Effect()
        .persist(new Added(add.key(), add.amount()))
        .thenReply(add.replyTo(), State::total);
  }
}
