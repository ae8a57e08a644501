package io.sluice.actors.transaction;

import io.sluice.actors.LocalOnly;
import io.sluice.actors.placement.GroupPlacement;
import io.sluice.actors.placement.GroupPlugins;
import io.sluice.actors.CborSerializable;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.queue.QueueTail;
import io.sluice.protocol.v1.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The transactions of one queue of a TRANSACTION topic ({@code topic/queueId}, like the {@link
 * Queue} it feeds; persistence id {@code txn|topic/queueId}). {@link Prepare} persists one {@link
 * Prepared} event per half message and replies after the journal confirms: the half message is
 * durable but in no queue, so no consumer can see it. {@link End} with COMMIT persists {@link
 * Resolved} and replies; the committed messages are then appended to the queue (one {@link
 * Queue.Append} in flight at a time, whole transactions per append) and {@link Delivered} is
 * persisted. ROLLBACK persists {@link Resolved} and the half messages are dropped. Either outcome
 * is final: the same one again is harmless, the other is refused.
 *
 * <p>Check-backs: a transaction open longer than the check time is checked through a live
 * producer of its group (found with the receptionist, {@link CheckBack#keyFor}); each check is
 * persisted ({@link Checked}) before it is sent, so the count survives restarts. Without a live
 * producer a check waits and counts nothing. After the maximum number of checks (and one more
 * interval for the last answer) the configured outcome is applied and the transaction is listed as
 * resolved by the broker.
 *
 * <p>Committed exactly once: this log is the only writer of its queue, and {@link Delivered}
 * records how far the queue holds its appends; after recovery, or after a failed append (a
 * timeout may still have been stored), it reads the queue past that offset ({@link QueueTail}) and
 * marks the transactions it finds delivered before appending again, as the delay timer does.
 */
public final class QueueTransactions
    extends EventSourcedBehaviorWithEnforcedReplies<QueueTransactions.Command, QueueTransactions.Event, TransactionBook> {

  public sealed interface Command {}

  /**
   * Stores half messages (each with its transaction set). Refused as a whole, storing none, when
   * one belongs to a transaction resolved already.
   */
  public record Prepare(List<Message> messages, ActorRef<PrepareResult> replyTo) implements Command {}

  /** Stored when {@code resolvedTransactionId} is null; else that transaction had {@code outcome}. */
  public record PrepareResult(String resolvedTransactionId, TransactionBook.Outcome outcome) implements CborSerializable {}

  /** What a producer reports: an outcome, or (answering a check) that it does not know yet. */
  public enum Resolution { COMMIT, ROLLBACK, UNKNOWN }

  /** Ends (or, with UNKNOWN, leaves open) transaction {@code transactionId} on this queue. */
  public record End(String transactionId, String producerGroup, Resolution resolution,
      ActorRef<EndResult> replyTo) implements Command, CborSerializable {}

  public enum EndStatus {
    /** Resolved as asked (now or before), or left open for UNKNOWN. */
    DONE,
    /** This queue holds no transaction with this id of this producer group. */
    NOT_FOUND,
    /** It was resolved with the other outcome, which stays. */
    RESOLVED_OTHERWISE
  }

  /** @param outcome the transaction's final outcome, null while it is open */
  public record EndResult(EndStatus status, TransactionBook.Outcome outcome) implements CborSerializable {}

  /** Lists the open transactions of a producer group, or those the broker resolved after the last check. */
  public record ListTransactions(String producerGroup, boolean resolvedByChecks, ActorRef<Listed> replyTo)
      implements Command, CborSerializable {}

  public record Listed(List<TransactionSummary> transactions) implements CborSerializable {}

  /** Starts the log after a node restart so that its checks and deliveries resume. */
  public enum Wake implements Command, CborSerializable { INSTANCE }

  private enum CheckTick implements Command, LocalOnly { INSTANCE }

  private enum Reconcile implements Command, LocalOnly { INSTANCE }

  /** Checks are due for {@code dueIds}; {@code producers} are the live producers of their groups. */
  private record ProducersFound(List<String> dueIds, Map<String, List<ActorRef<CheckBack>>> producers,
      Throwable failure) implements Command, LocalOnly {}

  private record Fired(List<String> transactionIds, int messageCount, Queue.Appended appended, Throwable failure)
      implements Command, LocalOnly {}

  private record Reconciled(long endOffset, Set<String> storedIds, Throwable failure) implements Command, LocalOnly {}

  public sealed interface Event {}

  /** A half message, its store time set to when it was prepared. */
  public record Prepared(Message message) implements Event {}

  /** A check was sent for each of {@code transactionIds}. */
  public record Checked(List<String> transactionIds) implements Event, CborSerializable {}

  public record Resolved(String transactionId, TransactionBook.Outcome outcome, boolean byMaxChecks, long atMs)
      implements Event, CborSerializable {}

  /** The committed {@code transactionIds} are in the queue, which holds every append before {@code queueOffset}. */
  public record Delivered(List<String> transactionIds, long queueOffset) implements Event, CborSerializable {}

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "QueueTransactions");

  /** Most messages per append (one journal write); whole transactions, so a larger one goes alone. */
  private static final int MAX_DELIVERY_BATCH = 1000;
  /** Bytes of one append (beyond its first transaction): it may cross nodes, in one Artery frame. */
  private static final long MAX_DELIVERY_BYTES = 4L << 20;
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RETRY_DELAY = Duration.ofSeconds(1);
  private static final String CHECK_TIMER = "check";

  public static void init(ActorSystem<?> system, String readJournalPluginId, TransactionSettings settings) {
    GroupPlugins plugins = GroupPlugins.fromConfig(system.settings().config(), readJournalPluginId);
    ClusterSharding.get(system)
        .init(GroupPlacement.placed(system,
            Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), plugins.forEntity(ctx.getEntityId()), settings))));
  }

  /**
   * The transaction log of queue {@code queueEntityId}, on its broker group's plugins when the
   * configuration defines them, else the default journal and {@code readJournalPluginId} ({@link
   * GroupPlugins}).
   */
  public static Behavior<Command> create(String queueEntityId, String readJournalPluginId,
      TransactionSettings settings) {
    return Behaviors.setup(ctx -> create(queueEntityId,
        GroupPlugins.fromConfig(ctx.getSystem().settings().config(), readJournalPluginId).forEntity(queueEntityId),
        settings));
  }

  private static Behavior<Command> create(String queueEntityId, GroupPlugins.Ids plugins,
      TransactionSettings settings) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new QueueTransactions(ctx, timers, queueEntityId, plugins, settings)));
  }

  public static PersistenceId persistenceIdOf(String queueEntityId) {
    return PersistenceId.of("txn", io.sluice.actors.queue.Queue.dataIdOf(queueEntityId), "|");
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String queueEntityId;
  private final String topic;
  private final int queueId;
  private final GroupPlugins.Ids plugins;
  private final TransactionSettings settings;
  private final EntityRef<Queue.Command> queue;
  /** An append or a reconciliation is in progress: nothing else is appended meanwhile. */
  private boolean delivering = true;
  /** A round of checks is looking for producers: no second round meanwhile. */
  private boolean checking;
  /** Spreads checks over a group's producers. */
  private int nextProducer;

  private QueueTransactions(ActorContext<Command> context, TimerScheduler<Command> timers, String queueEntityId,
      GroupPlugins.Ids plugins, TransactionSettings settings) {
    // A failed journal write restarts the log (replaying it) instead of stopping it: a stopped log
    // would come back only with the next message to its queue, and its checks would stall.
    super(persistenceIdOf(queueEntityId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    this.context = context;
    this.timers = timers;
    this.queueEntityId = queueEntityId;
    this.topic = Queue.topicOf(queueEntityId);
    this.queueId = Integer.parseInt(queueEntityId.substring(queueEntityId.lastIndexOf('/') + 1));
    this.plugins = plugins;
    this.settings = settings;
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
  public TransactionBook emptyState() {
    return new TransactionBook();
  }

  @Override
  public SignalHandler<TransactionBook> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          reconcile(state);
          armChecks(state);
        })
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, TransactionBook> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Prepare.class, this::onPrepare)
        .onCommand(End.class, this::onEnd)
        .onCommand(ListTransactions.class, this::onList)
        .onCommand(Wake.class, (state, cmd) -> Effect().noReply())
        .onCommand(CheckTick.class, this::onCheckTick)
        .onCommand(ProducersFound.class, this::onProducersFound)
        .onCommand(Fired.class, this::onFired)
        .onCommand(Reconciled.class, this::onReconciled)
        .onCommand(Reconcile.class, (state, cmd) -> Effect().none().thenRun(this::reconcile).thenNoReply())
        .build();
  }

  private ReplyEffect<Event, TransactionBook> onPrepare(TransactionBook state, Prepare cmd) {
    long now = System.currentTimeMillis();
    List<Event> events = new ArrayList<>();
    for (Message m : cmd.messages()) {
      String id = m.getTransaction().getTransactionId();
      TransactionBook.Outcome outcome = state.outcome(id);
      if (outcome != null) {
        return Effect().reply(cmd.replyTo(), new PrepareResult(id, outcome));
      }
      // A producer's retry of a half message already held is stored once.
      if (!state.holds(id, m.getMessageId())) {
        events.add(new Prepared(m.toBuilder().setStoreTimestampMs(now).build()));
      }
    }
    return Effect().persist(events)
        .thenRun(this::armChecks)
        .thenReply(cmd.replyTo(), s -> new PrepareResult(null, null));
  }

  private ReplyEffect<Event, TransactionBook> onEnd(TransactionBook state, End cmd) {
    TransactionBook.Outcome done = state.outcome(cmd.transactionId());
    if (done != null) {
      boolean same = cmd.resolution() == Resolution.UNKNOWN || cmd.resolution().name().equals(done.name());
      return Effect().reply(cmd.replyTo(), new EndResult(same ? EndStatus.DONE : EndStatus.RESOLVED_OTHERWISE, done));
    }
    TransactionBook.Open open = state.open(cmd.transactionId());
    if (open == null || !open.producerGroup().equals(cmd.producerGroup())) {
      return Effect().reply(cmd.replyTo(), new EndResult(EndStatus.NOT_FOUND, null));
    }
    if (cmd.resolution() == Resolution.UNKNOWN) {
      return Effect().reply(cmd.replyTo(), new EndResult(EndStatus.DONE, null));
    }
    TransactionBook.Outcome outcome = TransactionBook.Outcome.valueOf(cmd.resolution().name());
    return Effect().persist(new Resolved(cmd.transactionId(), outcome, false, System.currentTimeMillis()))
        .thenRun(this::deliver)
        .thenReply(cmd.replyTo(), s -> new EndResult(EndStatus.DONE, outcome));
  }

  private ReplyEffect<Event, TransactionBook> onList(TransactionBook state, ListTransactions cmd) {
    List<TransactionSummary> found = cmd.resolvedByChecks()
        ? state.resolvedByChecks().stream()
            .filter(t -> t.producerGroup().equals(cmd.producerGroup()))
            .collect(Collectors.toList())
        : state.openTransactions().stream()
            .filter(t -> t.producerGroup().equals(cmd.producerGroup()))
            .map(t -> t.summary(null, 0))
            .collect(Collectors.toList());
    return Effect().reply(cmd.replyTo(), new Listed(found));
  }

  /**
   * Applies the configured outcome to transactions past their last check, and starts a round of
   * checks for those due: the round first finds their groups' live producers.
   */
  private ReplyEffect<Event, TransactionBook> onCheckTick(TransactionBook state, CheckTick tick) {
    if (state.openTransactions().isEmpty()) {
      timers.cancel(CHECK_TIMER);
      return Effect().noReply();
    }
    long now = System.currentTimeMillis();
    List<Event> exhausted = new ArrayList<>();
    List<String> due = new ArrayList<>();
    Set<String> groups = new LinkedHashSet<>();
    for (TransactionBook.Open tx : state.openTransactions()) {
      if (settings.nextCheckAtMs(tx.preparedAtMs(), tx.checks()) > now) {
        continue;
      }
      if (tx.checks() >= settings.maxChecks()) {
        exhausted.add(new Resolved(tx.transactionId(), settings.maxChecksOutcome(), true, now));
      } else if (!checking) {
        due.add(tx.transactionId());
        groups.add(tx.producerGroup());
      }
    }
    if (!due.isEmpty()) {
      checking = true;
      findProducers(due, groups);
    }
    if (exhausted.isEmpty()) {
      return Effect().noReply();
    }
    context.getLog().warn("{} transactions of queue {} got no outcome after {} checks: applied {}",
        exhausted.size(), queueEntityId, settings.maxChecks(), settings.maxChecksOutcome());
    return Effect().persist(exhausted).thenRun(this::deliver).thenNoReply();
  }

  private void findProducers(List<String> due, Set<String> groups) {
    Map<String, CompletableFuture<Receptionist.Listing>> listings = new HashMap<>();
    for (String group : groups) {
      ServiceKey<CheckBack> key = CheckBack.keyFor(group);
      listings.put(group, AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
              context.getSystem().receptionist(), replyTo -> Receptionist.find(key, replyTo),
              ASK_TIMEOUT, context.getSystem().scheduler())
          .toCompletableFuture());
    }
    CompletableFuture<Map<String, List<ActorRef<CheckBack>>>> found =
        CompletableFuture.allOf(listings.values().toArray(CompletableFuture[]::new)).thenApply(all -> {
          Map<String, List<ActorRef<CheckBack>>> producers = new HashMap<>();
          listings.forEach((group, listing) ->
              producers.put(group, List.copyOf(listing.join().getServiceInstances(CheckBack.keyFor(group)))));
          return producers;
        });
    context.pipeToSelf(found, (producers, failure) -> new ProducersFound(due, producers, failure));
  }

  /** Persists a check for each due transaction whose group has a live producer, then sends them. */
  private ReplyEffect<Event, TransactionBook> onProducersFound(TransactionBook state, ProducersFound found) {
    checking = false;
    if (found.failure() != null) {
      context.getLog().warn("Finding producers for the checks of queue {} failed; next tick retries: {}",
          queueEntityId, found.failure().toString());
      return Effect().noReply();
    }
    List<String> checked = new ArrayList<>();
    for (String id : found.dueIds()) {
      TransactionBook.Open tx = state.open(id);
      if (tx != null && !found.producers().get(tx.producerGroup()).isEmpty()) {
        checked.add(id);
      }
    }
    if (checked.isEmpty()) {
      return Effect().noReply();
    }
    return Effect().persist(new Checked(checked))
        .thenRun(s -> sendChecks(s, checked, found.producers()))
        .thenNoReply();
  }

  private void sendChecks(TransactionBook state, List<String> ids, Map<String, List<ActorRef<CheckBack>>> producers) {
    for (String id : ids) {
      TransactionBook.Open tx = state.open(id);
      if (tx == null) {
        continue;
      }
      List<ActorRef<CheckBack>> live = producers.get(tx.producerGroup());
      ActorRef<CheckBack> producer = live.get(Math.floorMod(nextProducer++, live.size()));
      producer.tell(new CheckBack(id, tx.producerGroup(), topic, queueId, tx.messages().get(0).toByteArray(),
          tx.checks(), tx.preparedAtMs()));
    }
  }

  /** Runs the check tick while transactions are open. */
  private void armChecks(TransactionBook state) {
    if (!state.openTransactions().isEmpty() && !timers.isTimerActive(CHECK_TIMER)) {
      timers.startTimerWithFixedDelay(CHECK_TIMER, CheckTick.INSTANCE, settings.tick());
    }
  }

  /** Appends the oldest committed transactions (whole, up to the batch bounds) to the queue. */
  private void deliver(TransactionBook state) {
    if (delivering || state.toDeliver().isEmpty()) {
      return;
    }
    List<String> ids = state.nextDelivery(MAX_DELIVERY_BATCH, MAX_DELIVERY_BYTES);
    List<Message> batch = new ArrayList<>();
    for (String id : ids) {
      batch.addAll(state.toDeliver().get(id));
    }
    delivering = true;
    context.pipeToSelf(
        queue.<Queue.Appended>askWithStatus(replyTo -> new Queue.Append(batch, replyTo), ASK_TIMEOUT),
        (appended, failure) -> new Fired(ids, batch.size(), appended, failure));
  }

  private ReplyEffect<Event, TransactionBook> onFired(TransactionBook state, Fired fired) {
    if (fired.failure() != null) {
      // The append may have been stored anyway (a timeout): find out before appending again.
      context.getLog().warn("Appending {} committed messages to queue {} failed; reconciling: {}",
          fired.messageCount(), queueEntityId, fired.failure().toString());
      return Effect().none().thenRun(this::reconcile).thenNoReply();
    }
    return Effect().persist(new Delivered(fired.transactionIds(), fired.appended().endOffset(fired.messageCount())))
        .thenRun(this::ready)
        .thenNoReply();
  }

  /** Marks delivered the committed transactions the queue holds past the confirmed offset. */
  private void reconcile(TransactionBook state) {
    delivering = true;
    long from = state.confirmedQueueOffset();
    context.pipeToSelf(
        QueueTail.read(context.getSystem(), plugins.query(), queueEntityId, from, ASK_TIMEOUT),
        (tail, failure) -> failure == null
            ? new Reconciled(tail.endOffset(), tail.messageIds(), null)
            : new Reconciled(from, Set.of(), failure));
  }

  private ReplyEffect<Event, TransactionBook> onReconciled(TransactionBook state, Reconciled cmd) {
    if (cmd.failure() != null) {
      context.getLog().warn("Reading queue {} to reconcile committed transactions failed; retrying: {}",
          queueEntityId, cmd.failure().toString());
      timers.startSingleTimer(Reconcile.INSTANCE, RETRY_DELAY);
      return Effect().noReply();
    }
    List<String> stored = state.toDeliver().entrySet().stream()
        .filter(tx -> tx.getValue().stream().anyMatch(m -> cmd.storedIds().contains(m.getMessageId())))
        .map(Map.Entry::getKey)
        .collect(Collectors.toList());
    if (stored.isEmpty() && cmd.endOffset() <= state.confirmedQueueOffset()) {
      return Effect().none().thenRun(this::ready).thenNoReply();
    }
    if (!stored.isEmpty()) {
      context.getLog().info("Queue {} holds {} committed transactions whose append was not confirmed: not appended again",
          queueEntityId, stored.size());
    }
    return Effect().persist(new Delivered(stored, cmd.endOffset())).thenRun(this::ready).thenNoReply();
  }

  private void ready(TransactionBook state) {
    delivering = false;
    deliver(state);
  }

  @Override
  public EventHandler<TransactionBook, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Prepared.class, (state, e) -> {
          state.prepare(e.message());
          return state;
        })
        .onEvent(Checked.class, (state, e) -> {
          state.checked(e.transactionIds());
          return state;
        })
        .onEvent(Resolved.class, (state, e) -> {
          state.resolve(e.transactionId(), e.outcome(), e.byMaxChecks(), e.atMs());
          return state;
        })
        .onEvent(Delivered.class, (state, e) -> {
          state.delivered(e.transactionIds(), e.queueOffset());
          return state;
        })
        .build();
  }
}
