package io.sluice.actors.queue;

import io.sluice.actors.consume.GroupQueue;
import io.sluice.protocol.v1.Message;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One message queue, {@code topic/queueId}: an append-only log of messages. {@link Append} persists
 * a batch as one atomic write, one {@link MessageStored} event per message, so a message's offset
 * is its sequence number minus one; the reply follows the journal's confirmation.
 *
 * <p>The queue also hosts one {@link GroupQueue} child per consumer group, so a group's
 * consumption state lives with the queue it reads ({@link ForGroup}).
 */
public final class Queue
    extends EventSourcedBehaviorWithEnforcedReplies<Queue.Command, Queue.Event, Queue.State> {

  /** Commands; {@link Append} travels with a protobuf serializer, the rest with CBOR. */
  public sealed interface Command {}

  /** Stores {@code messages} (broker fields are set here) and replies with their first offset. */
  public record Append(List<Message> messages, ActorRef<StatusReply<Appended>> replyTo) implements Command {}

  /** Replies with the offset the next message will get. */
  public record GetEndOffset(ActorRef<EndOffset> replyTo) implements Command, io.sluice.actors.CborSerializable {}

  /** Delivers {@code command} to the state of consumer group {@code group} on this queue. */
  public record ForGroup(String group, GroupQueue.Command command) implements Command, io.sluice.actors.CborSerializable {}

  /** The batch was stored at offsets {@code firstOffset ..}, in order. */
  public record Appended(long firstOffset, long storeTimestampMs) implements io.sluice.actors.CborSerializable {}

  public record EndOffset(long offset) implements io.sluice.actors.CborSerializable {}

  public sealed interface Event {}

  /** A message with every broker field set; the one representation from produce to delivery. */
  public record MessageStored(Message message) implements Event {}

  /** @param nextOffset offset of the next message */
  public record State(long nextOffset) implements io.sluice.actors.CborSerializable {}

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Queue");

  /** Journal tag prefixes the storage engine indexes (see its {@code tag-prefixes}). */
  static final String FILTER_TAG = "tag:";
  static final String KEY_TAG = "key:";
  static final String ID_TAG = "id:";

  /** The journal tag of a message with tag {@code tag}: what a tag filter asks the read journal for. */
  public static String filterTagOf(String tag) {
    return FILTER_TAG + tag;
  }

  public static void init(ActorSystem<?> system, String readJournalPluginId) {
    ClusterSharding.get(system)
        .init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), readJournalPluginId)));
  }

  public static Behavior<Command> create(String entityId, String readJournalPluginId) {
    return Behaviors.setup(ctx -> new Queue(ctx, entityId, readJournalPluginId));
  }

  /** Entity id of queue {@code queueId} of {@code topic}: {@code topic/queueId}. */
  public static String entityId(String topic, int queueId) {
    return topic + "/" + queueId;
  }

  public static PersistenceId persistenceIdOf(String entityId) {
    return PersistenceId.of("queue", entityId, "|");
  }

  private final ActorContext<Command> context;
  private final String entityId;
  private final String topic;
  private final int queueId;
  private final String readJournalPluginId;

  private Queue(ActorContext<Command> context, String entityId, String readJournalPluginId) {
    super(persistenceIdOf(entityId));
    this.context = context;
    this.entityId = entityId;
    int slash = entityId.lastIndexOf('/');
    this.topic = entityId.substring(0, slash);
    this.queueId = Integer.parseInt(entityId.substring(slash + 1));
    this.readJournalPluginId = readJournalPluginId;
  }

  @Override
  public State emptyState() {
    return new State(0);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // The state is one number: snapshots keep recovery short without deleting events.
    return RetentionCriteria.snapshotEvery(10_000, 1);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    Message m = ((MessageStored) event).message();
    Set<String> tags = new HashSet<>();
    tags.add(ID_TAG + m.getMessageId());
    if (!m.getTag().isEmpty()) {
      tags.add(filterTagOf(m.getTag()));
    }
    for (String key : m.getKeysList()) {
      tags.add(KEY_TAG + key);
    }
    return tags;
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Append.class, this::onAppend)
        .onCommand(GetEndOffset.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new EndOffset(nextOffset())))
        .onCommand(ForGroup.class, this::onForGroup)
        .build();
  }

  /**
   * The offset of the next message: the sequence number of the last event, since offset = sequence
   * number - 1. Taken from the journal rather than counted in the state, so it stays right when
   * retention has removed a queue's oldest events.
   */
  private long nextOffset() {
    return lastSequenceNumber(context);
  }

  private ReplyEffect<Event, State> onAppend(State state, Append cmd) {
    long now = System.currentTimeMillis();
    List<Event> events = new ArrayList<>(cmd.messages().size());
    long first = nextOffset();
    long offset = first;
    for (Message m : cmd.messages()) {
      events.add(new MessageStored(m.toBuilder()
          .setTopic(topic).setQueueId(queueId).setOffset(offset++).setStoreTimestampMs(now).build()));
    }
    return Effect().persist(events).thenReply(cmd.replyTo(), s -> StatusReply.success(new Appended(first, now)));
  }

  private ReplyEffect<Event, State> onForGroup(State state, ForGroup cmd) {
    String name = "group-" + URLEncoder.encode(cmd.group(), StandardCharsets.UTF_8);
    var child = context.getChild(name);
    @SuppressWarnings("unchecked")
    ActorRef<GroupQueue.Command> group =
        child.isPresent()
            ? (ActorRef<GroupQueue.Command>) (ActorRef<?>) child.get()
            : context.spawn(GroupQueue.create(cmd.group(), entityId, readJournalPluginId), name);
    group.tell(cmd.command());
    return Effect().noReply();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(MessageStored.class, (state, e) -> new State(e.message().getOffset() + 1))
        .build();
  }
}
