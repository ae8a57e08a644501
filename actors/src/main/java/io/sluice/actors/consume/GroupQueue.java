package io.sluice.actors.consume;

import io.sluice.actors.LocalOnly;
import io.sluice.actors.placement.GroupPlugins;

import io.sluice.actors.CborSerializable;
import io.sluice.actors.JournalFailures;
import io.sluice.actors.group.RetryPolicyCatalog;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Message;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.typed.javadsl.ActorSink;

/**
 * One consumer group's consumption of one queue (RocketMQ 5 "pop" / SQS style). Messages stream in
 * from the queue's journal (a live, backpressured query) into a small read-ahead buffer; a {@link
 * Pull} hands them out, each becoming invisible to the group until acked, nacked or its invisible
 * time passes. When its invisible time passes it is visible again at once, as the next attempt
 * (RocketMQ 5's rule: the invisible time is the retry delay); a nack makes it visible again after
 * the nack's delay or, without one, the group's {@link RetryPolicy} backoff. After the policy's
 * last attempt it is moved to the group's dead-letter queue ({@link DeadLetters}) and then settled
 * like an ack.
 *
 * <p>A delivery out keeps its offset, not its message ({@link InFlight}); a redelivery reads the
 * message back from the journal ({@link Redeliveries}), so what is in flight costs the same few
 * bytes per delivery whatever the messages' size. A Pull hands out at most its byte bound (beyond
 * one message), and only what it returns becomes invisible.
 *
 * <p>Under a tag filter other than {@code *} the journal skips the messages whose tag the filter
 * rejects without reading them ({@code QueueSource}); they are settled as they arrive. A Pull with
 * a different filter restarts the journal stream where it stopped reading.
 *
 * <p>Persisted state is only what survives a restart: the ack watermark (every offset below it is
 * acked) and the acked offsets above it, written in batches: one event holds the acks that arrived
 * while the previous one was written. In-flight bookkeeping lives in memory: after a restart (a
 * crash, or a journal failure: {@link #forgetIncarnation}), whatever was unacked is delivered again.
 *
 * <p>On a FIFO topic's queue (known from the first {@link Pull} that says {@code ordered}, since a
 * topic's type never changes) a {@link GroupOrder} keeps one message per message group outstanding:
 * later messages of the group wait, held back, until it is settled; other groups keep flowing.
 */
public final class GroupQueue
    extends EventSourcedBehaviorWithEnforcedReplies<GroupQueue.Command, GroupQueue.Event, GroupQueue.State> {

  public sealed interface Command {}

  /**
   * Hands out up to {@code max} messages matching {@code filter} (valid: checked by the caller), invisible for
   * {@code invisibleMs}, whose deliveries' {@link #wireSize wire sizes} sum to at most {@code maxBytes}, except that with {@code
   * firstOfAnySize} the first goes whatever its size (a message larger than any batch still goes, alone);
   * replies at once, possibly with none. Only what the reply holds becomes invisible. {@code ordered} (the
   * queue belongs to a FIFO topic) keeps message-group order from then on ({@link GroupOrder}).
   */
  public record Pull(int max, long maxBytes, boolean firstOfAnySize, long invisibleMs, FilterExpression filter,
      boolean ordered, ActorRef<Pulled> replyTo) implements Command {
    /** A pull of at most {@link #BATCH_BYTES} (beyond one message). */
    public Pull(int max, long invisibleMs, FilterExpression filter, boolean ordered, ActorRef<Pulled> replyTo) {
      this(max, BATCH_BYTES, true, invisibleMs, filter, ordered, replyTo);
    }

    /** A pull on a queue of a topic without message-group order, of at most {@link #BATCH_BYTES}. */
    public Pull(int max, long invisibleMs, FilterExpression filter, ActorRef<Pulled> replyTo) {
      this(max, invisibleMs, filter, false, replyTo);
    }
  }

  /** The default byte bound of a {@link Pull}. */
  public static final long BATCH_BYTES = 4L << 20;
  /** A delivery's bytes on the wire beyond its message, at most: receipt handle, attempt, time, framing. */
  private static final int DELIVERY_OVERHEAD_BYTES = 64;

  /** What a delivery of {@code message} takes in a serialized batch of deliveries, at most. */
  public static long wireSize(Message message) {
    return message.getSerializedSize() + DELIVERY_OVERHEAD_BYTES;
  }

  /** Replies {@link Available} once a message can be pulled, or never if none comes before the deadline. */
  public record AwaitMessages(long deadlineMs, ActorRef<Available> replyTo) implements Command, CborSerializable {}

  /** One delivery, as its receipt handle names it. */
  public record Receipt(long offset, long nonce) implements CborSerializable {}

  /**
   * Acks deliveries. Replies {@link Acked} once the accepted acks are durable (at once if none was
   * accepted); a receipt that is not current (acked, expired, redelivered) is refused.
   */
  public record Ack(List<Receipt> receipts, ActorRef<Acked> replyTo) implements Command, CborSerializable {
    public Ack {
      receipts = List.copyOf(receipts);
    }
  }

  /** @param refused indexes into the {@link Ack}'s receipts of those refused, ascending */
  public record Acked(List<Integer> refused) implements CborSerializable {
    public Acked {
      refused = List.copyOf(refused);
    }
  }

  /**
   * Makes the delivery visible again after {@code delayMs} (0: the retry policy's backoff; at most
   * {@link #MAX_DELAY_MS}, larger values count as that), as the next attempt.
   */
  public record Nack(long offset, long nonce, long delayMs, ActorRef<StatusReply<Done>> replyTo)
      implements Command, CborSerializable {
    /** The longest nack delay, as long as the longest invisible time: 12 hours. */
    public static final long MAX_DELAY_MS = 12L * 3600 * 1000;
  }

  public record ChangeInvisible(long offset, long nonce, long invisibleMs, ActorRef<StatusReply<Renewed>> replyTo)
      implements Command, CborSerializable {}

  public record Describe(ActorRef<Progress> replyTo) implements Command, CborSerializable {}

  /**
   * Moves the group's position to {@code offset}: everything below counts as acked, everything
   * from there on is delivered (again). Deliveries in flight become invalid. Replies with the
   * progress after the move.
   */
  public record ResetTo(long offset, ActorRef<Progress> replyTo) implements Command, CborSerializable {}

  /** Settles offsets without a delivery (an operator's decision); replies once durable. */
  public record Settle(List<Long> offsets, ActorRef<Acked> replyTo) implements Command, CborSerializable {
    public Settle {
      offsets = List.copyOf(offsets);
    }
  }

  /** Replies with the persisted state: which offsets are settled. */
  public record GetSettled(ActorRef<State> replyTo) implements Command, CborSerializable {}

  /** The dead letter of {@code offset} is stored as {@code messageId}, or (null) the message no longer exists. */
  private record DeadLetterStored(long offset, String messageId, Throwable failure) implements Command, LocalOnly {}

  private record RetryDeadLetter(long offset) implements Command, LocalOnly {}

  /** Messages read back for redelivery by the read started in position epoch {@code epoch}. */
  private record RedeliveriesRead(int epoch, List<Message> messages, Throwable failure) implements Command, LocalOnly {}

  /**
   * Starts a position that does not exist yet (nothing persisted for this group and queue) at
   * {@code offset}, as {@link ResetTo} would, and persists it so that it exists from then on; has
   * no effect on an existing position. Replies with the progress.
   */
  public record StartAt(long offset, ActorRef<Progress> replyTo) implements Command, CborSerializable {}

  /** Entries from the journal stream number {@code stream}; those of a replaced stream are ignored. */
  private record Arrived(List<QueueEntry> entries, ActorRef<StreamAck> ackTo, int stream) implements Command, LocalOnly {}

  private record StreamStarted(ActorRef<StreamAck> ackTo, int stream) implements Command, LocalOnly {}

  private record StreamEnded(Throwable failure, int stream) implements Command, LocalOnly {}

  private enum Tick implements Command, LocalOnly {
    INSTANCE
  }

  private enum FlushAcks implements Command, LocalOnly {
    INSTANCE
  }

  private enum RestartStream implements Command, LocalOnly {
    INSTANCE
  }

  enum StreamAck implements LocalOnly {
    INSTANCE
  }

  /** A message handed out: {@code nonce} identifies this delivery for ack, nack and renew. */
  public record Delivered(Message message, long nonce, int attempt, long invisibleUntilMs) {}

  public record Pulled(List<Delivered> deliveries) {}

  public enum Available implements CborSerializable {
    INSTANCE
  }

  public record Renewed(long nonce, long invisibleUntilMs) implements CborSerializable {}

  public record Progress(long ackWatermark, long readCursor, int inFlight) implements CborSerializable {}

  public sealed interface Event extends CborSerializable {}

  public record AcksCommitted(List<Long> offsets) implements Event {}

  /** An operator moved the group's position to {@code offset}. */
  public record PositionReset(long offset) implements Event {}

  /** Retention removed the queue's messages below {@code offset} before the group consumed them. */
  public record RetentionSkipped(long offset) implements Event {}

  /**
   * @param watermark every offset below is acked
   * @param ackedAbove acked offsets at or above the watermark, ascending
   */
  public record State(long watermark, List<Long> ackedAbove) implements CborSerializable {
    public State {
      ackedAbove = List.copyOf(ackedAbove);
    }

    public boolean isAcked(long offset) {
      return offset < watermark || java.util.Collections.binarySearch(ackedAbove, offset) >= 0;
    }

    State skippedTo(long offset) {
      if (offset <= watermark) {
        return this;
      }
      return new State(offset, List.of()).withAcks(ackedAbove);
    }

    State withAcks(List<Long> offsets) {
      TreeSet<Long> acked = new TreeSet<>(ackedAbove);
      for (long o : offsets) {
        if (o >= watermark) {
          acked.add(o);
        }
      }
      long w = watermark;
      while (!acked.isEmpty() && acked.first() == w) {
        acked.pollFirst();
        w++;
      }
      return new State(w, new ArrayList<>(acked));
    }
  }

  private static final char MEMBER_SEPARATOR = '#';

  /** Read-ahead per group and queue: at most this many messages and (beyond one message) bytes. */
  private static final int BUFFER_CAPACITY = 256;
  private static final long BUFFER_BYTES = 4L << 20;
  /** Entries travel from the journal in batches of at most this many bytes (beyond one entry; see {@link QueueEntry#weight}). */
  private static final long ARRIVAL_BATCH_BYTES = 1L << 20;
  private static final int MAX_IN_FLIGHT = 4096;
  private static final Duration TICK = Duration.ofMillis(100);
  private static final Duration STREAM_RESTART_DELAY = Duration.ofSeconds(1);
  private static final Duration DEAD_LETTER_RETRY_DELAY = Duration.ofSeconds(1);
  private static final long READ_RETRY_DELAY_MS = 1_000;

  /**
   * {@code group|<consumer group>|<queue data id>}: without the queue's broker group, like every
   * persistence id, so a queue's group states keep their name whatever group the queue is placed in.
   */
  public static PersistenceId persistenceIdOf(String group, String queueEntityId) {
    return PersistenceId.ofUniqueId("group|" + group + "|" + io.sluice.actors.queue.Queue.dataIdOf(queueEntityId));
  }

  /**
   * The state of consumer group {@code group} on queue {@code queueEntityId}, on the queue's broker
   * group's plugins when the configuration defines them, else the default journal and {@code
   * readJournalPluginId} ({@link GroupPlugins}).
   */
  public static Behavior<Command> create(String group, String queueEntityId, String readJournalPluginId) {
    return Behaviors.setup(ctx -> create(group, queueEntityId,
        GroupPlugins.fromConfig(ctx.getSystem().settings().config(), readJournalPluginId)));
  }

  /** As above, with the plugins of its queue's group from {@code plugins}. */
  public static Behavior<Command> create(String group, String queueEntityId, GroupPlugins plugins) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new GroupQueue(ctx, timers, group, queueEntityId, plugins.forEntity(queueEntityId))));
  }

  /**
   * The answer to an ack or settle, sent once its offsets are written; {@code ifLost} is the answer if this
   * incarnation ends first (a journal failure), or null for none (the caller's ask fails).
   */
  private record PendingReply(ActorRef<Acked> replyTo, Acked reply, Acked ifLost) {}

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String group;
  private final String queueEntityId;
  private final GroupPlugins.Ids plugins;
  /** The groups' retry policies, as this node knows them. */
  private final RetryPolicyCatalog policies;
  private final InFlightDeliveries inFlight = new InFlightDeliveries();
  private final MessageReads reads;
  /** Counts position moves, so a read started before one is ignored. */
  private int epoch;
  private long readPausedUntilMs;
  private final ArrayDeque<Message> buffer = new ArrayDeque<>();
  private long bufferedBytes;
  /** Long-poll waiters by reply address, so a consumer that asks again replaces its old wait. */
  private final Map<ActorRef<Available>, Long> waiters = new HashMap<>();
  private final List<Long> pendingAcks = new ArrayList<>();
  private final List<PendingReply> pendingAckReplies = new ArrayList<>();
  /** The replies of the acks being written now. */
  private List<PendingReply> writingAckReplies = List.of();
  private boolean flushRequested;
  private ActorRef<StreamAck> streamAck;
  private UniqueKillSwitch killSwitch;
  /** Numbers the journal streams, so messages of a replaced one are told apart. */
  private int streamNumber;
  private long nextStreamOffset;
  private FilterExpression lastExpression = FilterExpression.getDefaultInstance();
  private MessageFilter lastFilter = TagFilter.ALL;
  /** The tags the current journal stream asks for ({@link QueueSource#journalTagsOf}). */
  private Set<String> streamTags;
  /** Message-group order, once a pull said the topic is FIFO; null before. */
  private GroupOrder order;

  private GroupQueue(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String group,
      String queueEntityId,
      GroupPlugins.Ids plugins) {
    super(persistenceIdOf(group, queueEntityId), JournalFailures.restartWithBackoff());
    this.context = context;
    this.timers = timers;
    this.group = group;
    this.queueEntityId = queueEntityId;
    this.plugins = plugins;
    this.policies = RetryPolicyCatalog.get(context.getSystem());
    this.reads = new MessageReads(context.getSystem(), plugins.query(), queueEntityId);
  }

  @Override
  public State emptyState() {
    return new State(0, List.of());
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
  public RetentionCriteria retentionCriteria() {
    // Acks only accumulate: events older than the kept snapshot are deleted, so that the store's
    // retention does not carry the whole ack history forward again and again.
    return RetentionCriteria.snapshotEvery(1_000, 1).withDeleteEventsOnSnapshot();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
          startStream(state.watermark());
        })
        .onSignal(PreRestart.instance(), state -> forgetIncarnation())
        .onSignal(PostStop.instance(), state -> stopStream())
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Pull.class, this::onPull)
        .onCommand(AwaitMessages.class, this::onAwait)
        .onCommand(Ack.class, this::onAck)
        .onCommand(Nack.class, this::onNack)
        .onCommand(ChangeInvisible.class, this::onChangeInvisible)
        .onCommand(Describe.class, (state, cmd) -> Effect().reply(cmd.replyTo(), progress(state)))
        .onCommand(ResetTo.class, (state, cmd) -> moveTo(state, cmd.offset(), cmd.replyTo(), "reset"))
        .onCommand(StartAt.class, (state, cmd) -> lastSequenceNumber(context) > 0
            ? Effect().reply(cmd.replyTo(), progress(state))
            : moveTo(state, cmd.offset(), cmd.replyTo(), "started"))
        .onCommand(Settle.class, this::onSettle)
        .onCommand(GetSettled.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .onCommand(DeadLetterStored.class, this::onDeadLetterStored)
        .onCommand(RetryDeadLetter.class, (state, cmd) -> {
          inFlight.retryDeadLetter(cmd.offset());
          storeDeadLetters();
          return Effect().noReply();
        })
        .onCommand(RedeliveriesRead.class, this::onRedeliveriesRead)
        .onCommand(Arrived.class, this::onArrived)
        .onCommand(StreamStarted.class, this::onStreamStarted)
        .onCommand(StreamEnded.class, this::onStreamEnded)
        .onCommand(RestartStream.class, state -> {
          startStream(nextStreamOffset);
          return Effect().noReply();
        })
        .onCommand(Tick.class, (state, tick) -> onTick())
        .onCommand(FlushAcks.class, (state, flush) -> onFlushAcks())
        .build();
  }

  private ReplyEffect<Event, State> onPull(State state, Pull cmd) {
    long now = System.currentTimeMillis();
    expire(now);
    MessageFilter filter = filterFor(cmd.filter());
    if (cmd.ordered() && order == null) {
      order = new GroupOrder();
    }
    PullBatch out = new PullBatch(cmd);
    long deadlineMs = now + cmd.invisibleMs();
    while (out.hasRoom() && inFlight.due.hasLoaded() && out.fits(inFlight.due.peek().message())) {
      Redeliveries.Loaded redelivery = inFlight.due.poll();
      InFlight entry = redelivery.entry();
      if (!state.isAcked(entry.offset)) {
        out.add(inFlight.deliver(entry, redelivery.message(), deadlineMs));
      } else if (order != null) {
        order.settled(entry.messageGroup, entry.offset);
      }
    }
    while (order != null && out.hasRoom() && order.hasReleased()) {
      GroupOrder.Held released = order.peekReleased();
      if (released.message() != null && !out.fits(released.message())) {
        break;
      }
      order.pollReleased();
      InFlight entry = new InFlight(released.offset(), released.group(), 1);
      if (released.message() == null) {
        inFlight.due.add(entry); // held by offset only: read back first
      } else {
        out.add(inFlight.deliver(entry, released.message(), deadlineMs));
      }
    }
    while (out.hasRoom() && !buffer.isEmpty() && inFlight.outCount() + waitingCount() < MAX_IN_FLIGHT) {
      Message m = buffer.peek();
      boolean settled = state.isAcked(m.getOffset()) || inFlight.isOut(m.getOffset());
      boolean matches = !settled && filter.matches(m);
      boolean blocked = matches && order != null && order.blocks(m);
      if (matches && !blocked && !out.fits(m)) {
        break; // stays buffered for the next Pull: only what is returned becomes invisible
      }
      buffer.poll();
      bufferedBytes -= m.getBody().size();
      if (settled) {
        continue;
      }
      if (!matches) {
        // Filtered out for this group: settled as if acked, so the watermark can pass it.
        queueAck(m.getOffset());
        continue;
      }
      if (blocked) {
        order.hold(m);
        continue;
      }
      if (order != null) {
        order.delivering(m);
      }
      out.add(inFlight.deliver(new InFlight(m.getOffset(), m.getMessageGroup(), 1), m, deadlineMs));
    }
    readRedeliveries(now);
    requestMoreIfRoom();
    return Effect().reply(cmd.replyTo(), new Pulled(out.deliveries));
  }

  /** Starts reading back the messages of deliveries due again, unless a read runs or enough wait. */
  private void readRedeliveries(long now) {
    if (now < readPausedUntilMs) {
      return;
    }
    List<Long> offsets = inFlight.due.startRead();
    if (offsets.isEmpty()) {
      return;
    }
    int readEpoch = epoch;
    context.pipeToSelf(reads.read(offsets, Redeliveries.READ_BYTES),
        (messages, failure) -> new RedeliveriesRead(readEpoch, messages, failure));
  }

  private ReplyEffect<Event, State> onRedeliveriesRead(State state, RedeliveriesRead cmd) {
    if (cmd.epoch() != epoch) {
      return Effect().noReply(); // a position move dropped these deliveries meanwhile
    }
    long now = System.currentTimeMillis();
    if (cmd.failure() != null) {
      context.getLog().warn("Could not read messages of {} back for redelivery (group {}); retrying: {}",
          queueEntityId, group, cmd.failure().toString());
      inFlight.due.readFailed();
      readPausedUntilMs = now + READ_RETRY_DELAY_MS;
      return Effect().noReply();
    }
    for (InFlight gone : inFlight.due.readDone(cmd.messages())) {
      context.getLog().warn("Offset {} of {} was removed by retention before group {} consumed it",
          gone.offset, queueEntityId, group);
      settle(gone.offset, gone.messageGroup);
    }
    notifyWaiters();
    readRedeliveries(now);
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onAwait(State state, AwaitMessages cmd) {
    holdBlocked();
    if (hasDeliverable()) {
      return Effect().reply(cmd.replyTo(), Available.INSTANCE);
    }
    waiters.put(cmd.replyTo(), cmd.deadlineMs());
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onAck(State state, Ack cmd) {
    List<Integer> refused = new ArrayList<>();
    int accepted = 0;
    for (int i = 0; i < cmd.receipts().size(); i++) {
      Receipt r = cmd.receipts().get(i);
      InFlight entry = inFlight.current(r.offset(), r.nonce(), System.currentTimeMillis());
      if (entry == null) {
        refused.add(i);
      } else {
        settle(entry.offset, entry.messageGroup);
        accepted++;
      }
    }
    if (order != null) {
      notifyWaiters();
    }
    Acked reply = new Acked(refused);
    if (accepted == 0) {
      return Effect().reply(cmd.replyTo(), reply);
    }
    // if the write is lost every receipt was refused: the messages are delivered again
    pendingAckReplies.add(new PendingReply(cmd.replyTo(), reply,
        new Acked(IntStream.range(0, cmd.receipts().size()).boxed().toList())));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onNack(State state, Nack cmd) {
    long now = System.currentTimeMillis();
    InFlight entry = inFlight.current(cmd.offset(), cmd.nonce(), now);
    if (entry == null) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(invalidReceipt(cmd.offset())));
    }
    // without a delay of its own the group's backoff applies; a last attempt is dead-lettered
    RetryPolicy retryPolicy = policies.policyOf(consumerGroupOf(group));
    // saturated: now + a delay near Long.MAX_VALUE would overflow into the past and redeliver at once
    inFlight.nacked(entry, retryPolicy.isLast(entry.attempt),
        now + (cmd.delayMs() > 0 ? Math.min(cmd.delayMs(), Nack.MAX_DELAY_MS) : retryPolicy.delayMsAfter(entry.attempt)));
    storeDeadLetters();
    return Effect().reply(cmd.replyTo(), StatusReply.ack());
  }

  /** Reads back and appends waiting dead letters, a few at a time (each holds its message meanwhile). */
  private void storeDeadLetters() {
    for (InFlight entry : inFlight.startDeadLetters()) {
      long offset = entry.offset;
      context.pipeToSelf(
          DeadLetters.readAndAppend(context.getSystem(), reads, offset, entry.attempt, consumerGroupOf(group)),
          (messageId, failure) -> new DeadLetterStored(offset, messageId, failure));
    }
  }

  private ReplyEffect<Event, State> onDeadLetterStored(State state, DeadLetterStored cmd) {
    InFlight entry = inFlight.deadLetterEnded(cmd.offset(), cmd.failure() == null);
    storeDeadLetters();
    if (entry == null) {
      return Effect().noReply(); // a position reset dropped it meanwhile
    }
    if (cmd.failure() != null) {
      context.getLog().warn("Could not store the dead letter of offset {} of {} (group {}); retrying: {}",
          cmd.offset(), queueEntityId, group, cmd.failure().toString());
      timers.startSingleTimer(new RetryDeadLetter(cmd.offset()), DEAD_LETTER_RETRY_DELAY);
      return Effect().noReply();
    }
    if (cmd.messageId() == null) {
      context.getLog().warn("Offset {} of {} was removed by retention before group {} dead-lettered it",
          cmd.offset(), queueEntityId, group);
    } else {
      context.getLog().info("Dead-lettered message {} (offset {} of {}, group {}) after {} attempts to {}",
          cmd.messageId(), cmd.offset(), queueEntityId, group, entry.attempt, DeadLetters.topicOf(consumerGroupOf(group)));
    }
    // From here the group is done with it, as after an ack (on a FIFO topic its message group's next message is released).
    settle(entry.offset, entry.messageGroup);
    notifyWaiters();
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onSettle(State state, Settle cmd) {
    for (long offset : cmd.offsets()) {
      inFlight.remove(offset);
      queueAck(offset);
    }
    if (cmd.offsets().isEmpty()) {
      return Effect().reply(cmd.replyTo(), new Acked(List.of()));
    }
    // no answer if the write is lost: an Acked would say the offsets are settled
    pendingAckReplies.add(new PendingReply(cmd.replyTo(), new Acked(List.of()), null));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onChangeInvisible(State state, ChangeInvisible cmd) {
    long now = System.currentTimeMillis();
    InFlight entry = inFlight.current(cmd.offset(), cmd.nonce(), now);
    if (entry == null) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(invalidReceipt(cmd.offset())));
    }
    inFlight.renew(entry, now + cmd.invisibleMs());
    return Effect().reply(cmd.replyTo(), StatusReply.success(new Renewed(entry.nonce, entry.deadlineMs)));
  }

  private String invalidReceipt(long offset) {
    return notCurrent(queueEntityId, offset);
  }

  /**
   * The consumption state of one member of a broadcasting group: its own position, named {@code
   * group#clientId} ('#' cannot occur in group names, so it cannot clash with a group's).
   */
  public static String memberState(String group, String clientId) {
    return group + MEMBER_SEPARATOR + clientId;
  }

  /** The consumer group a consumption state belongs to: itself, or a broadcasting member's group. */
  public static String consumerGroupOf(String state) {
    int member = state.indexOf(MEMBER_SEPARATOR);
    return member < 0 ? state : state.substring(0, member);
  }

  /** Why a receipt for {@code offset} of queue {@code queueEntityId} is refused. */
  public static String notCurrent(String queueEntityId, long offset) {
    return "receipt for offset " + offset + " of " + queueEntityId
        + " is not current: it was acked, expired or redelivered";
  }

  private ReplyEffect<Event, State> moveTo(State state, long offset, ActorRef<Progress> replyTo, String why) {
    context.getLog().info("Position of {} {} at offset {} (watermark was {}); {} deliveries in flight dropped",
        context.getSelf().path().name() + " on " + queueEntityId, why, offset, state.watermark(),
        inFlight.size());
    // Acks taken before the reset are answered as taken but not persisted: the reset replaces them.
    pendingAckReplies.forEach(r -> r.replyTo().tell(r.reply()));
    pendingAckReplies.clear();
    pendingAcks.clear();
    buffer.clear();
    bufferedBytes = 0;
    inFlight.clear();
    epoch++;
    if (order != null) {
      order = new GroupOrder(); // nothing is out any more: every message group starts afresh
    }
    return Effect().persist(new PositionReset(offset))
        .thenRun(s -> startStream(offset))
        .thenReply(replyTo, this::progress);
  }

  private ReplyEffect<Event, State> onArrived(State state, Arrived cmd) {
    if (cmd.stream() != streamNumber) {
      return Effect().noReply(); // from a stream a reset replaced: never acked, it just stops
    }
    List<Event> skips = new ArrayList<>(0);
    for (QueueEntry entry : cmd.entries()) {
      long expected = nextStreamOffset;
      long first = entry.firstOffset();
      nextStreamOffset = entry.lastOffset() + 1;
      if (entry instanceof QueueEntry.Stored stored) {
        if (!state.isAcked(first)) {
          buffer.add(stored.message());
          bufferedBytes += stored.message().getBody().size();
        }
      } else {
        // Filtered out by the journal: settled as a Pull settles what the filter rejects.
        for (long offset = first; offset < nextStreamOffset; offset++) {
          if (!state.isAcked(offset)) {
            queueAck(offset);
          }
        }
      }
      if (first > expected && first > state.watermark()) {
        // The queue has no holes of its own: a jump means retention removed what lies between.
        context.getLog().warn("Retention removed offsets {} .. {} of {} before this group consumed them; continuing at {}",
            expected, first - 1, queueEntityId, first);
        skips.add(new RetentionSkipped(first));
      }
    }
    streamAck = cmd.ackTo();
    requestMoreIfRoom();
    notifyWaiters();
    return skips.isEmpty() ? Effect().noReply() : Effect().persist(skips).thenNoReply();
  }

  private ReplyEffect<Event, State> onStreamStarted(State state, StreamStarted cmd) {
    if (cmd.stream() != streamNumber) {
      return Effect().noReply();
    }
    streamAck = cmd.ackTo();
    requestMoreIfRoom();
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onStreamEnded(State state, StreamEnded cmd) {
    if (cmd.stream() != streamNumber) {
      return Effect().noReply();
    }
    context.getLog().warn("Message stream of {} ended ({}); restarting from offset {}",
        queueEntityId, cmd.failure() == null ? "completed" : cmd.failure().toString(), nextStreamOffset);
    streamAck = null;
    timers.startSingleTimer(RestartStream.INSTANCE, STREAM_RESTART_DELAY);
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onTick() {
    expire(System.currentTimeMillis());
    long now = System.currentTimeMillis();
    waiters.values().removeIf(deadline -> deadline < now);
    notifyWaiters();
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onFlushAcks() {
    flushRequested = false;
    if (pendingAcks.isEmpty()) {
      return Effect().noReply();
    }
    List<Long> offsets = List.copyOf(pendingAcks);
    writingAckReplies = List.copyOf(pendingAckReplies);
    pendingAcks.clear();
    pendingAckReplies.clear();
    return Effect()
        .persist(new AcksCommitted(offsets))
        .thenRun(s -> {
          writingAckReplies.forEach(r -> r.replyTo().tell(r.reply()));
          writingAckReplies = List.of();
        })
        .thenNoReply();
  }

  /**
   * A journal failure restarts this group (after a backoff, {@link JournalFailures}) and recovers its
   * persisted state; what only this incarnation knew goes, as after a crash. Deliveries out are
   * forgotten: their receipts become invalid and the messages are delivered again. Acks not yet
   * written are refused, settles not yet written get no answer. The journal stream stops; the next
   * one, started after recovery, has a new number, so what the old one sent meanwhile is ignored.
   * Commands that arrive meanwhile wait for the recovery (Pekko stashes them).
   */
  private void forgetIncarnation() {
    context.getLog().warn("Group {} on {} restarts after a journal failure; {} deliveries in flight forgotten",
        group, queueEntityId, inFlight.size());
    for (List<PendingReply> replies : List.of(writingAckReplies, pendingAckReplies)) {
      replies.stream().filter(r -> r.ifLost() != null).forEach(r -> r.replyTo().tell(r.ifLost()));
    }
    writingAckReplies = List.of();
    pendingAckReplies.clear();
    pendingAcks.clear();
    flushRequested = false;
    stopStream();
    buffer.clear();
    bufferedBytes = 0;
    inFlight.clear();
    epoch++;
    if (order != null) {
      order = new GroupOrder();
    }
  }

  /**
   * The message at {@code offset} is finished for good: acked, or (for the dead-letter path) moved out of the
   * queue. It stops being in flight, its ack is queued, and on a FIFO topic the next message of its
   * message group is released.
   */
  private void settle(long offset, String messageGroup) {
    inFlight.remove(offset);
    queueAck(offset);
    if (order != null) {
      order.settled(messageGroup, offset);
    }
  }

  /**
   * Acks are persisted in batches: one event per flush, not per ack. The caller queues its reply
   * in {@link #pendingAckReplies} after queueing its offsets.
   */
  private void queueAck(long offset) {
    pendingAcks.add(offset);
    if (!flushRequested) {
      // Behind every command already queued: acks arriving meanwhile (or stashed during the
      // previous flush's write) go into the same event, with no timer delay.
      flushRequested = true;
      context.getSelf().tell(FlushAcks.INSTANCE);
    }
  }

  /** Makes what is due again at {@code now} (see {@link InFlightDeliveries#expire}) and starts its reads. */
  private void expire(long now) {
    inFlight.expire(now, policies.policyOf(consumerGroupOf(group))::isLast);
    storeDeadLetters();
    readRedeliveries(now);
  }

  private boolean hasDeliverable() {
    return inFlight.due.hasLoaded() || (order != null && order.hasReleased())
        || (!buffer.isEmpty() && inFlight.outCount() + waitingCount() < MAX_IN_FLIGHT);
  }

  /** Messages held back by message-group order: they count against {@link #MAX_IN_FLIGHT}. */
  private int waitingCount() {
    return order == null ? 0 : order.waitingCount();
  }

  /**
   * Moves buffered messages that must wait for their group into {@link #order}, so that a buffer
   * of only blocked messages does not count as deliverable (a waiter would be woken for nothing).
   */
  private void holdBlocked() {
    if (order == null) {
      return;
    }
    while (!buffer.isEmpty() && inFlight.outCount() + waitingCount() < MAX_IN_FLIGHT
        && order.blocks(buffer.peek()) && lastFilter.matches(buffer.peek())) {
      Message m = buffer.poll();
      bufferedBytes -= m.getBody().size();
      order.hold(m);
    }
    requestMoreIfRoom();
  }

  private void notifyWaiters() {
    holdBlocked();
    if (!waiters.isEmpty() && hasDeliverable()) {
      waiters.keySet().forEach(w -> w.tell(Available.INSTANCE));
      waiters.clear();
    }
  }

  private void requestMoreIfRoom() {
    if (streamAck != null && buffer.size() < BUFFER_CAPACITY && bufferedBytes < BUFFER_BYTES) {
      ActorRef<StreamAck> ack = streamAck;
      streamAck = null;
      ack.tell(StreamAck.INSTANCE);
    }
  }

  /**
   * Subscribers of a group normally share one filter: parse it once, not per pull. A filter that
   * needs other messages from the journal restarts the stream where it stopped reading; what is
   * buffered already is filtered at the Pull.
   */
  private MessageFilter filterFor(FilterExpression expression) {
    if (!expression.equals(lastExpression)) {
      lastFilter = MessageFilter.parse(expression);
      lastExpression = expression;
      if (!Objects.equals(QueueSource.journalTagsOf(lastFilter), streamTags)) {
        startStream(nextStreamOffset);
      }
    }
    return lastFilter;
  }

  private Progress progress(State state) {
    long readCursor = buffer.isEmpty() ? nextStreamOffset : buffer.peek().getOffset();
    return new Progress(state.watermark(), Math.max(readCursor, state.watermark()),
        inFlight.size());
  }

  private void startStream(long fromOffset) {
    stopStream();
    int stream = ++streamNumber;
    nextStreamOffset = fromOffset;
    streamTags = QueueSource.journalTagsOf(lastFilter);
    killSwitch =
        QueueSource.from(context.getSystem(), plugins.query(), queueEntityId, fromOffset, lastFilter)
            // one actor message (and one stream ack) per batch of what arrived while the last was handled
            .batchWeighted(ARRIVAL_BATCH_BYTES, QueueEntry::weight, GroupQueue::newBatch, GroupQueue::addToBatch)
            .viaMat(KillSwitches.single(), Keep.right())
            .toMat(
                ActorSink.<List<QueueEntry>, Command, StreamAck>actorRefWithBackpressure(
                    context.getSelf(),
                    (ackTo, entries) -> new Arrived(List.copyOf(entries), ackTo, stream),
                    ackTo -> new StreamStarted(ackTo, stream),
                    StreamAck.INSTANCE,
                    new StreamEnded(null, stream),
                    failure -> new StreamEnded(failure, stream))
                    // the sink would otherwise take 16 batches ahead of the acks: 16 large messages
                    .addAttributes(Attributes.inputBuffer(1, 1)),
                Keep.left())
            .run(context.getSystem());
  }

  private static List<QueueEntry> newBatch(QueueEntry first) {
    List<QueueEntry> batch = new ArrayList<>();
    batch.add(first);
    return batch;
  }

  private static List<QueueEntry> addToBatch(List<QueueEntry> batch, QueueEntry next) {
    batch.add(next);
    return batch;
  }

  private void stopStream() {
    if (killSwitch != null) {
      killSwitch.shutdown();
      killSwitch = null;
    }
    streamAck = null;
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(AcksCommitted.class, (state, e) -> state.withAcks(e.offsets()))
        .onEvent(RetentionSkipped.class, (state, e) -> state.skippedTo(e.offset()))
        .onEvent(PositionReset.class, (state, e) -> new State(e.offset(), List.of()))
        .build();
  }
}
