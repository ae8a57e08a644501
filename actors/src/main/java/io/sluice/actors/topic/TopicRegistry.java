package io.sluice.actors.topic;

import io.sluice.actors.CborSerializable;
import io.sluice.protocol.v1.Reason;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * The durable list of topics, one per cluster (a cluster singleton). A command is validated
 * against the current {@link Topics}, persisted as an event, and the new snapshot is both the
 * reply and a broadcast to every node's {@link TopicCatalog}.
 */
public final class TopicRegistry
    extends EventSourcedBehaviorWithEnforcedReplies<TopicRegistry.Command, TopicRegistry.Event, Topics> {

  public sealed interface Command extends CborSerializable {}

  public record CreateTopic(TopicConfig topic, ActorRef<Change> replyTo) implements Command {}

  public record UpdateTopic(TopicConfig topic, ActorRef<Change> replyTo) implements Command {}

  public record DeleteTopic(String name, ActorRef<Change> replyTo) implements Command {}

  public record GetTopics(ActorRef<Topics> replyTo) implements Command {}

  /** Reply to a change: the new snapshot, or why nothing changed. */
  public sealed interface Change extends CborSerializable {}

  public record Changed(Topics topics) implements Change {}

  public record Rejected(Reason reason, String message) implements Change {}

  public sealed interface Event extends CborSerializable {}

  public record TopicCreated(TopicConfig topic) implements Event {}

  public record TopicUpdated(TopicConfig topic) implements Event {}

  public record TopicDeleted(String name) implements Event {}

  /** Name of the pub-sub topic that carries every new {@link Topics} snapshot. */
  public static final String BROADCAST = "sluice-topics";

  /** Starts (or joins) the singleton and returns its proxy. */
  public static ActorRef<Command> init(ActorSystem<?> system) {
    return ClusterSingleton.get(system).init(SingletonActor.of(create(), "topic-registry"));
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(
        ctx -> new TopicRegistry(ctx.spawn(Topic.create(Topics.class, BROADCAST), "topics-broadcast")));
  }

  private final ActorRef<Topic.Command<Topics>> broadcast;

  private TopicRegistry(ActorRef<Topic.Command<Topics>> broadcast) {
    // a failed journal write restarts the singleton; stopped, it would stay dead until a handover
    super(PersistenceId.ofUniqueId("topic-registry"), io.sluice.actors.JournalFailures.restartWithBackoff());
    this.broadcast = broadcast;
  }

  @Override
  public Topics emptyState() {
    return Topics.EMPTY;
  }

  @Override
  public CommandHandlerWithReply<Command, Event, Topics> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(CreateTopic.class, this::onCreate)
        .onCommand(UpdateTopic.class, this::onUpdate)
        .onCommand(DeleteTopic.class, this::onDelete)
        .onCommand(GetTopics.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .build();
  }

  private ReplyEffect<Event, Topics> onCreate(Topics state, CreateTopic cmd) {
    if (state.get(cmd.topic().name()).isPresent()) {
      return Effect().reply(cmd.replyTo(),
          new Rejected(Reason.TOPIC_EXISTS, "topic '" + cmd.topic().name() + "' exists"));
    }
    // a name created again is a new incarnation: its queues start empty
    TopicConfig topic = cmd.topic().withIncarnation(state.nextIncarnation(cmd.topic().name()));
    return persistAndPublish(new TopicCreated(topic), cmd.replyTo());
  }

  private ReplyEffect<Event, Topics> onUpdate(Topics state, UpdateTopic cmd) {
    var existing = state.get(cmd.topic().name());
    if (existing.isEmpty()) {
      return Effect().reply(cmd.replyTo(),
          new Rejected(Reason.TOPIC_NOT_FOUND, "topic '" + cmd.topic().name() + "' does not exist"));
    }
    if (cmd.topic().queueCount() < existing.get().queueCount()) {
      return Effect().reply(cmd.replyTo(),
          new Rejected(Reason.INVALID_ARGUMENT, "queue count of '" + cmd.topic().name()
              + "' can only grow (is " + existing.get().queueCount() + ")"));
    }
    if (cmd.topic().messageType() != existing.get().messageType()) {
      return Effect().reply(cmd.replyTo(),
          new Rejected(Reason.MESSAGE_TYPE_MISMATCH, "message type of '" + cmd.topic().name() + "' cannot change"));
    }
    return persistAndPublish(new TopicUpdated(cmd.topic().withIncarnation(existing.get().incarnation())), cmd.replyTo());
  }

  private ReplyEffect<Event, Topics> onDelete(Topics state, DeleteTopic cmd) {
    if (state.get(cmd.name()).isEmpty()) {
      return Effect().reply(cmd.replyTo(),
          new Rejected(Reason.TOPIC_NOT_FOUND, "topic '" + cmd.name() + "' does not exist"));
    }
    return persistAndPublish(new TopicDeleted(cmd.name()), cmd.replyTo());
  }

  private ReplyEffect<Event, Topics> persistAndPublish(Event event, ActorRef<Change> replyTo) {
    return Effect()
        .persist(event)
        .thenRun(topics -> broadcast.tell(Topic.publish(topics)))
        .thenReply(replyTo, Changed::new);
  }

  @Override
  public EventHandler<Topics, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TopicCreated.class, (state, e) -> state.with(e.topic()))
        .onEvent(TopicUpdated.class, (state, e) -> state.with(e.topic()))
        .onEvent(TopicDeleted.class, (state, e) -> state.without(e.name()))
        .build();
  }
}
