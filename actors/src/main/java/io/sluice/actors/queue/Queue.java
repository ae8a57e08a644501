package io.sluice.actors.queue;

import io.sluice.actors.LocalOnly;
import io.sluice.actors.placement.GroupPlacement;
import io.sluice.actors.placement.GroupPlugins;
import io.sluice.actors.consume.GroupQueue;
import io.sluice.protocol.v1.Message;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.persistence.typed.JournalPersistFailed;
import org.apache.pekko.persistence.typed.JournalPersistRejected;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import io.sluice.actors.JournalFailures;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.apache.pekko.stream.javadsl.Sink;
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
 * <p>Resends: a message whose id the queue stored within its dedup window ({@link DedupSettings})
 * is not stored again; the reply names the offset it has ({@link Appended#duplicates()}). A
 * producer told that the outcome of a send is unknown resends with the same id and so stores it
 * once. The window ({@link RecentIds}) is rebuilt after every recovery from the journal's last
 * {@code max-ids} messages, read before the first append is served.
 *
 * <p>The queue also hosts one {@link GroupQueue} child per consumer group, so a group's
 * consumption state lives with the queue it reads ({@link ForGroup}).
 */
public final class Queue
    extends EventSourcedBehaviorWithEnforcedReplies<Queue.Command, Queue.Event, Queue.State> {

  /** Commands; {@link Append} and {@link ForGroup} travel with a protobuf serializer, the rest with CBOR. */
  public sealed interface Command {}

  /**
   * Stores {@code messages} (broker fields are set here) and replies with their offsets.
   *
   * @param dedup whether a message id stored within the dedup window is a resend, answered with its
   *     offset instead of being stored again; false for a redrive, which stores a message again on purpose
   */
  public record Append(List<Message> messages, boolean dedup, ActorRef<StatusReply<Appended>> replyTo)
      implements Command {
    /** An append of new messages or resends (dedup on). */
    public Append(List<Message> messages, ActorRef<StatusReply<Appended>> replyTo) {
      this(messages, true, replyTo);
    }
  }

  /** Replies with the offset the next message will get. */
  public record GetEndOffset(ActorRef<EndOffset> replyTo) implements Command, io.sluice.actors.CborSerializable {}

  /** Delivers {@code command} to the state of consumer group {@code group} on this queue. */
  public record ForGroup(String group, GroupQueue.Command command) implements Command {}

  /**
   * The batch was stored: its messages at offsets {@code firstOffset ..}, in order, except the
   * {@code duplicates}, which the queue had stored already and kept where they were.
   */
  public record Appended(long firstOffset, long storeTimestampMs, List<Duplicate> duplicates) {
    public Appended {
      duplicates = List.copyOf(duplicates);
    }

    /** The offset of the batch's {@code index}-th message. */
    public long offsetOf(int index) {
      long newBefore = index;
      for (Duplicate d : duplicates) {
        if (d.index() == index) {
          return d.offset();
        }
        if (d.index() < index) {
          newBefore--;
        }
      }
      return firstOffset + newBefore;
    }

    /** The queue's next offset after this batch of {@code count} messages. */
    public long endOffset(int count) {
      return firstOffset + count - duplicates.size();
    }

    /** The part of this reply for messages {@code from} (inclusive) to {@code to} (exclusive) of the batch. */
    public Appended slice(int from, int to) {
      long newBefore = from;
      List<Duplicate> inside = new ArrayList<>();
      for (Duplicate d : duplicates) {
        if (d.index() < from) {
          newBefore--;
        } else if (d.index() < to) {
          inside.add(new Duplicate(d.index() - from, d.offset()));
        }
      }
      return new Appended(firstOffset + newBefore, storeTimestampMs, inside);
    }
  }

  /** The batch's {@code index}-th message was stored before, at {@code offset}. */
  public record Duplicate(int index, long offset) {}

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
    init(system, readJournalPluginId, WriteFailures.OUTCOME_UNKNOWN);
  }

  /** As above; a failed journal write is answered with {@code writeFailures}' reason. */
  public static void init(ActorSystem<?> system, String readJournalPluginId, WriteFailures.Classifier writeFailures) {
    DedupSettings dedup = DedupSettings.fromConfig(system.settings().config());
    GroupPlugins plugins = GroupPlugins.fromConfig(system.settings().config(), readJournalPluginId);
    ClusterSharding.get(system)
        .init(GroupPlacement.placed(system,
            Entity.of(ENTITY_KEY, ctx -> Behaviors.<Command>setup(c ->
                new Queue(c, ctx.getEntityId(), plugins, dedup, writeFailures)))));
  }

  /**
   * A queue with the dedup settings of the system's configuration. Like every queue it uses its
   * broker group's plugins when the configuration defines them ({@link GroupPlugins}), else the
   * default journal and {@code readJournalPluginId}.
   */
  public static Behavior<Command> create(String entityId, String readJournalPluginId) {
    return Behaviors.setup(ctx -> new Queue(ctx, entityId,
        GroupPlugins.fromConfig(ctx.getSystem().settings().config(), readJournalPluginId),
        DedupSettings.fromConfig(ctx.getSystem().settings().config()), WriteFailures.OUTCOME_UNKNOWN));
  }

  public static Behavior<Command> create(String entityId, String readJournalPluginId, DedupSettings dedup) {
    return Behaviors.setup(ctx -> new Queue(ctx, entityId,
        GroupPlugins.fromConfig(ctx.getSystem().settings().config(), readJournalPluginId), dedup,
        WriteFailures.OUTCOME_UNKNOWN));
  }

  /** Entity id of queue {@code queueId} of the first incarnation of {@code topic}, without a broker group: {@code topic/queueId}. */
  public static String entityId(String topic, int queueId) {
    return topic + "/" + queueId;
  }

  /**
   * Entity id of queue {@code queueId} of incarnation {@code incarnation} of {@code topic}, without
   * a broker group: {@code topic/queueId} for the first (as before incarnations existed), {@code
   * topic@incarnation/queueId} after (topic names cannot hold {@code @}).
   */
  public static String entityId(String topic, long incarnation, int queueId) {
    return incarnation == 0 ? entityId(topic, queueId) : topic + "@" + incarnation + "/" + queueId;
  }

  /**
   * Entity id of a queue placed in broker group {@code brokerGroup}: {@code brokerGroup:} before the
   * id above (names cannot hold {@code :}), so sharding can place the queue from its id alone. An
   * empty group gives the id above. The group is not part of the persistence id ({@link #dataIdOf}).
   */
  public static String entityId(String brokerGroup, String topic, long incarnation, int queueId) {
    String id = entityId(topic, incarnation, queueId);
    return brokerGroup.isEmpty() ? id : brokerGroup + GROUP_SEPARATOR + id;
  }

  private static final char GROUP_SEPARATOR = ':';

  /** The broker group in a queue's entity id; empty when it names none. */
  public static String brokerGroupOf(String entityId) {
    int colon = entityId.indexOf(GROUP_SEPARATOR);
    return colon < 0 ? "" : entityId.substring(0, colon);
  }

  /**
   * A queue's entity id without its broker group, {@code topic[@incarnation]/queueId}: what the
   * queue's data (and its delay timer's and transaction log's) is named by in the journal.
   */
  public static String dataIdOf(String entityId) {
    return entityId.substring(entityId.indexOf(GROUP_SEPARATOR) + 1);
  }

  /** The topic name in a queue's entity id. */
  public static String topicOf(String entityId) {
    String dataId = dataIdOf(entityId);
    String topicPart = dataId.substring(0, dataId.lastIndexOf('/'));
    int at = topicPart.lastIndexOf('@');
    return at < 0 ? topicPart : topicPart.substring(0, at);
  }

  public static PersistenceId persistenceIdOf(String entityId) {
    return PersistenceId.of("queue", dataIdOf(entityId), "|");
  }

  private final ActorContext<Command> context;
  private final WriteFailures.Classifier writeFailures;
  /** The caller of the append being written, if any (one write at a time: commands wait meanwhile). */
  private ActorRef<StatusReply<Appended>> persisting;
  private final String entityId;
  private final String topic;
  private final int queueId;
  private final GroupPlugins groupPlugins;
  private final GroupPlugins.Ids plugins;
  private final DedupSettings dedup;
  /** Replaced at each recovery: entries added before a failed write must not survive its restart. */
  private RecentIds recentIds;
  /** False from the start of a recovery until the dedup window is rebuilt; appends wait meanwhile. */
  private boolean idsReady;

  /** The dedup window's ids read from the journal after recovery, oldest first. */
  private record IdsRead(List<StoredId> ids, Throwable failure) implements Command, LocalOnly {}

  private record StoredId(String messageId, long offset, long storeTimestampMs) {}

  private Queue(ActorContext<Command> context, String entityId, GroupPlugins groupPlugins, DedupSettings dedup,
      WriteFailures.Classifier writeFailures) {
    // Its consumer groups (children) need nothing of its memory: they keep their deliveries through its restart.
    super(persistenceIdOf(entityId), JournalFailures.restartWithBackoff().withStopChildren(false));
    this.context = context;
    this.dedup = dedup;
    this.entityId = entityId;
    this.topic = topicOf(entityId);
    this.queueId = Integer.parseInt(entityId.substring(entityId.lastIndexOf('/') + 1));
    this.groupPlugins = groupPlugins;
    this.plugins = groupPlugins.forEntity(entityId);
    this.writeFailures = writeFailures;
  }

  @Override
  public String journalPluginId() {
    return plugins.journal();
  }

  @Override
  public String snapshotPluginId() {
    return plugins.snapshotStore();
  }

  @Override
  public State emptyState() {
    return new State(0);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> rebuildRecentIds())
        .onSignal(JournalPersistFailed.class, (state, failed) -> answerFailedWrite(failed.failure()))
        .onSignal(JournalPersistRejected.class, (state, rejected) -> answerFailedWrite(rejected.failure()))
        .onSignal(PreRestart.instance(), state -> answerFailedWrite(null))
        .build();
  }

  /**
   * The journal failed the write in flight (Pekko then restarts the entity and drops the command):
   * its caller is answered now, not after its ask timeout. A restart with a write in flight and no
   * failure signal before it answers with an unknown cause.
   */
  private void answerFailedWrite(Throwable failure) {
    if (persisting != null) {
      persisting.tell(StatusReply.error(WriteFailures.describe(writeFailures.reasonOf(failure), entityId)));
      persisting = null;
    }
  }

  /** Reads the ids of the last {@code max-ids} messages from the journal (none for a new queue). */
  private void rebuildRecentIds() {
    recentIds = new RecentIds(dedup);
    long last = lastSequenceNumber(context);
    if (!dedup.enabled() || last == 0) {
      idsReady = true;
      return;
    }
    idsReady = false;
    CurrentEventsByPersistenceIdQuery journal = PersistenceQuery.get(Adapter.toClassic(context.getSystem()))
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, plugins.query());
    context.pipeToSelf(
        LocalEvents.current(journal, persistenceId().id(), Math.max(1, last - dedup.maxIds() + 1), last)
            .map(envelope -> {
              Message m = ((MessageStored) envelope.event()).message();
              return new StoredId(m.getMessageId(), m.getOffset(), m.getStoreTimestampMs());
            })
            .runWith(Sink.seq(), context.getSystem()),
        IdsRead::new);
  }

  private ReplyEffect<Event, State> onIdsRead(State state, IdsRead read) {
    if (read.failure() != null) {
      // Serving without the window beats refusing appends; only a resend right now may be stored twice.
      context.getLog().warn("Queue {} could not read its recent message ids, dedup starts empty: {}",
          entityId, read.failure().toString());
    } else {
      read.ids().forEach(id -> recentIds.add(id.messageId(), id.offset(), id.storeTimestampMs()));
    }
    idsReady = true;
    return Effect().noReply().thenUnstashAll();
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
        .onCommand(IdsRead.class, this::onIdsRead)
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
    if (!idsReady) {
      return Effect().stash();
    }
    long now = System.currentTimeMillis();
    List<Event> events = new ArrayList<>(cmd.messages().size());
    List<Duplicate> duplicates = new ArrayList<>(0);
    // ids earlier in this batch: a resend can meet its first try in one batch of the gateway
    boolean dedupThis = dedup.enabled() && cmd.dedup();
    Map<String, Long> inBatch = dedupThis ? new HashMap<>() : Map.of();
    long first = nextOffset();
    long offset = first;
    for (int i = 0; i < cmd.messages().size(); i++) {
      Message m = cmd.messages().get(i);
      long stored = dedupThis ? recentIds.offsetOf(m.getMessageId(), now) : -1;
      if (stored < 0) {
        stored = inBatch.getOrDefault(m.getMessageId(), -1L);
      }
      if (stored >= 0) {
        duplicates.add(new Duplicate(i, stored));
      } else {
        if (dedupThis) {
          inBatch.put(m.getMessageId(), offset);
        }
        events.add(new MessageStored(m.toBuilder()
            .setTopic(topic).setQueueId(queueId).setOffset(offset++).setStoreTimestampMs(now).build()));
      }
    }
    Appended appended = new Appended(first, now, duplicates);
    if (events.isEmpty()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(appended));
    }
    persisting = cmd.replyTo();
    return Effect().persist(events)
        .thenRun(s -> persisting = null)
        .thenRun(s -> events.forEach(e -> {
          Message m = ((MessageStored) e).message();
          recentIds.add(m.getMessageId(), m.getOffset(), now);
        }))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(appended));
  }

  private ReplyEffect<Event, State> onForGroup(State state, ForGroup cmd) {
    String name = "group-" + URLEncoder.encode(cmd.group(), StandardCharsets.UTF_8);
    var child = context.getChild(name);
    @SuppressWarnings("unchecked")
    ActorRef<GroupQueue.Command> group =
        child.isPresent()
            ? (ActorRef<GroupQueue.Command>) (ActorRef<?>) child.get()
            : context.spawn(GroupQueue.create(cmd.group(), entityId, groupPlugins), name);
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
