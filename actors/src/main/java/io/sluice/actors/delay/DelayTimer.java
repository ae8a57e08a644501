package io.sluice.actors.delay;

import io.sluice.actors.LocalOnly;
import io.sluice.actors.placement.GroupPlacement;
import io.sluice.actors.placement.GroupPlugins;
import io.sluice.actors.CborSerializable;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.queue.QueueTail;
import io.sluice.protocol.v1.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The timer of one queue of a DELAY topic ({@code topic/queueId}, like the {@link Queue} it feeds).
 * {@link Schedule} persists one {@link Scheduled} event per message and replies after the journal
 * confirms, so a delayed message is durable on arrival. Pending messages wait in memory ordered by
 * delivery time ({@link DelaySchedule}); one Pekko timer is armed for the earliest. When messages
 * are due the timer appends them to its queue (one {@link Queue.Append} in flight at a time) and
 * then persists {@link Delivered}.
 *
 * <p>A crash between the append and {@link Delivered} must not deliver twice. The timer is the
 * only writer of its queue, and {@link Delivered} records how far the queue held its deliveries;
 * after recovery (or a failed append, which may still have been stored) the timer reads the
 * queue's events past that offset and marks the message ids it finds delivered before firing
 * again. Recovery replays the timer log, so no snapshot is needed.
 */
public final class DelayTimer
    extends EventSourcedBehaviorWithEnforcedReplies<DelayTimer.Command, DelayTimer.Event, DelaySchedule> {

  public sealed interface Command {}

  /** Stores {@code messages} (each with a message id and a delivery time) until they are due. */
  public record Schedule(List<Message> messages, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** Cancels pending message {@code messageId}; the reply says what the timer knew of it. */
  public record Cancel(String messageId, ActorRef<CancelResult> replyTo) implements Command, CborSerializable {}

  /** Starts the timer after a node restart so that it fires what is pending. */
  public enum Wake implements Command, CborSerializable { INSTANCE }

  /**
   * @param status {@code PENDING} if it was pending and is now cancelled; otherwise why it could
   *     not be cancelled ({@code DELIVERED} includes a delivery in progress)
   */
  public record CancelResult(DelaySchedule.Status status) implements CborSerializable {}

  private enum Tick implements Command, LocalOnly { INSTANCE }

  private enum Reconcile implements Command, LocalOnly { INSTANCE }

  private record Fired(List<Message> batch, Queue.Appended appended, Throwable failure) implements Command, LocalOnly {}

  /** The queue's events from the confirmed offset to {@code endOffset} hold {@code storedIds}. */
  private record Reconciled(long endOffset, Set<String> storedIds, Throwable failure) implements Command, LocalOnly {}

  public sealed interface Event {}

  /** A message waits for its delivery time. */
  public record Scheduled(Message message) implements Event {}

  /** {@code messageIds} are stored in the queue, which holds every delivery before {@code queueOffset}. */
  public record Delivered(List<String> messageIds, long queueOffset) implements Event, CborSerializable {}

  public record Cancelled(String messageId) implements Event, CborSerializable {}

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "DelayTimer");

  /** Most messages fired in one append: one journal write. */
  private static final int MAX_FIRE_BATCH = 1000;
  /** Bytes of one firing's append (beyond its first message): it may cross nodes, in one Artery frame. */
  private static final long MAX_FIRE_BYTES = 4L << 20;
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RETRY_DELAY = Duration.ofSeconds(1);
  private static final String FIRE_TIMER = "fire";

  public static void init(ActorSystem<?> system, String readJournalPluginId) {
    GroupPlugins plugins = GroupPlugins.fromConfig(system.settings().config(), readJournalPluginId);
    ClusterSharding.get(system)
        .init(GroupPlacement.placed(system,
            Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), plugins.forEntity(ctx.getEntityId())))));
  }

  /**
   * The timer of queue {@code queueEntityId}, on its broker group's plugins when the configuration
   * defines them, else the default journal and {@code readJournalPluginId} ({@link GroupPlugins}).
   */
  public static Behavior<Command> create(String queueEntityId, String readJournalPluginId) {
    return Behaviors.setup(ctx -> create(queueEntityId,
        GroupPlugins.fromConfig(ctx.getSystem().settings().config(), readJournalPluginId).forEntity(queueEntityId)));
  }

  private static Behavior<Command> create(String queueEntityId, GroupPlugins.Ids plugins) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new DelayTimer(ctx, timers, queueEntityId, plugins)));
  }

  public static PersistenceId persistenceIdOf(String queueEntityId) {
    return PersistenceId.of("delay", io.sluice.actors.queue.Queue.dataIdOf(queueEntityId), "|");
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String queueEntityId;
  private final GroupPlugins.Ids plugins;
  private final EntityRef<Queue.Command> queue;
  /** Fired but not yet confirmed: not cancellable, and not fired again. */
  private Set<String> firing = Set.of();
  /** An append or a reconciliation is in progress: nothing else is fired meanwhile. */
  private boolean busy = true;
  /** Until the queue was read, a pending message may be stored already: cancels wait here. */
  private boolean reconciling = true;
  private final List<Cancel> waitingCancels = new ArrayList<>();

  private DelayTimer(ActorContext<Command> context, TimerScheduler<Command> timers, String queueEntityId,
      GroupPlugins.Ids plugins) {
    // A failed journal write restarts the timer (replaying its log) instead of stopping it: a
    // stopped timer would come back only with the next message to its queue.
    super(persistenceIdOf(queueEntityId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    this.context = context;
    this.timers = timers;
    this.queueEntityId = queueEntityId;
    this.plugins = plugins;
    this.queue = ClusterSharding.get(context.getSystem()).entityRefFor(Queue.ENTITY_KEY, queueEntityId);
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
  public DelaySchedule emptyState() {
    return new DelaySchedule();
  }

  @Override
  public SignalHandler<DelaySchedule> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::reconcile)
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, DelaySchedule> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Schedule.class, this::onSchedule)
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(Wake.class, (state, cmd) -> Effect().noReply())
        .onCommand(Tick.class, this::onTick)
        .onCommand(Fired.class, this::onFired)
        .onCommand(Reconciled.class, this::onReconciled)
        .onCommand(Reconcile.class, (state, cmd) -> Effect().none().thenRun(this::reconcile).thenNoReply())
        .build();
  }

  private ReplyEffect<Event, DelaySchedule> onSchedule(DelaySchedule state, Schedule cmd) {
    // A producer's retry of a message already known (same id) is stored once.
    List<Event> events = cmd.messages().stream()
        .filter(m -> state.status(m.getMessageId()) == DelaySchedule.Status.UNKNOWN)
        .<Event>map(Scheduled::new)
        .collect(Collectors.toList());
    return Effect().persist(events)
        .thenRun(this::arm)
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, DelaySchedule> onCancel(DelaySchedule state, Cancel cmd) {
    if (reconciling) {
      waitingCancels.add(cmd);
      return Effect().noReply();
    }
    DelaySchedule.Status status = state.status(cmd.messageId());
    if (firing.contains(cmd.messageId())) {
      return Effect().reply(cmd.replyTo(), new CancelResult(DelaySchedule.Status.DELIVERED));
    }
    if (status != DelaySchedule.Status.PENDING) {
      return Effect().reply(cmd.replyTo(), new CancelResult(status));
    }
    return Effect().persist(new Cancelled(cmd.messageId()))
        .thenRun(this::arm)
        .thenReply(cmd.replyTo(), s -> new CancelResult(DelaySchedule.Status.PENDING));
  }

  private ReplyEffect<Event, DelaySchedule> onTick(DelaySchedule state, Tick tick) {
    if (busy) {
      return Effect().noReply();
    }
    List<Message> due = state.due(System.currentTimeMillis(), MAX_FIRE_BATCH, MAX_FIRE_BYTES);
    if (due.isEmpty()) {
      arm(state);
      return Effect().noReply();
    }
    busy = true;
    firing = due.stream().map(Message::getMessageId).collect(Collectors.toSet());
    context.pipeToSelf(
        queue.<Queue.Appended>askWithStatus(replyTo -> new Queue.Append(due, replyTo), ASK_TIMEOUT),
        (appended, failure) -> new Fired(due, appended, failure));
    return Effect().noReply();
  }

  private ReplyEffect<Event, DelaySchedule> onFired(DelaySchedule state, Fired fired) {
    if (fired.failure() != null) {
      // The append may have been stored anyway (a timeout): find out before firing again.
      context.getLog().warn("Delivering {} delayed messages to queue {} failed; reconciling: {}",
          fired.batch().size(), queueEntityId, fired.failure().toString());
      return Effect().none().thenRun(this::reconcile).thenNoReply();
    }
    List<String> ids = fired.batch().stream().map(Message::getMessageId).collect(Collectors.toList());
    return Effect().persist(new Delivered(ids, fired.appended().endOffset(ids.size())))
        .thenRun(this::ready)
        .thenNoReply();
  }

  /** Marks delivered what the queue holds past the confirmed offset, then resumes firing. */
  private void reconcile(DelaySchedule state) {
    busy = true;
    reconciling = true;
    long from = state.confirmedQueueOffset();
    context.pipeToSelf(
        QueueTail.read(context.getSystem(), plugins.query(), queueEntityId, from, ASK_TIMEOUT),
        (tail, failure) -> failure == null
            ? new Reconciled(tail.endOffset(), tail.messageIds(), null)
            : new Reconciled(from, Set.of(), failure));
  }

  private ReplyEffect<Event, DelaySchedule> onReconciled(DelaySchedule state, Reconciled cmd) {
    if (cmd.failure() != null) {
      context.getLog().warn("Reading queue {} to reconcile delayed deliveries failed; retrying: {}",
          queueEntityId, cmd.failure().toString());
      timers.startSingleTimer(Reconcile.INSTANCE, RETRY_DELAY);
      return Effect().noReply();
    }
    if (cmd.endOffset() <= state.confirmedQueueOffset() && cmd.storedIds().isEmpty()) {
      return Effect().none().thenRun(this::ready).thenNoReply();
    }
    List<String> stored = new ArrayList<>();
    for (String id : cmd.storedIds()) {
      if (state.status(id) == DelaySchedule.Status.PENDING) {
        stored.add(id);
      }
    }
    if (!stored.isEmpty()) {
      context.getLog().info("Queue {} holds {} delayed messages whose delivery was not confirmed: not delivered again",
          queueEntityId, stored.size());
    }
    return Effect().persist(new Delivered(stored, cmd.endOffset()))
        .thenRun(this::ready).thenNoReply();
  }

  private void ready(DelaySchedule state) {
    busy = false;
    reconciling = false;
    waitingCancels.forEach(context.getSelf()::tell);
    waitingCancels.clear();
    firing = Set.of();
    arm(state);
  }

  /** Arms the one timer for the earliest pending message; a due message fires at once. */
  private void arm(DelaySchedule state) {
    if (busy) {
      return;
    }
    long next = state.nextDueMs();
    if (next == Long.MAX_VALUE) {
      timers.cancel(FIRE_TIMER);
      return;
    }
    long waitMs = next - System.currentTimeMillis();
    if (waitMs <= 0) {
      timers.cancel(FIRE_TIMER);
      context.getSelf().tell(Tick.INSTANCE);
    } else {
      timers.startSingleTimer(FIRE_TIMER, Tick.INSTANCE, Duration.ofMillis(waitMs));
    }
  }

  @Override
  public EventHandler<DelaySchedule, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Scheduled.class, (state, e) -> {
          state.schedule(e.message());
          return state;
        })
        .onEvent(Delivered.class, (state, e) -> {
          state.delivered(e.messageIds(), e.queueOffset());
          return state;
        })
        .onEvent(Cancelled.class, (state, e) -> {
          state.cancel(e.messageId());
          return state;
        })
        .build();
  }
}
