package io.sluice.gateway.consume;

import io.sluice.actors.LocalOnly;
import io.sluice.actors.consume.GroupQueue;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.GatewaySettings;
import io.sluice.actors.queue.Queue;
import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ConsumeResponse;
import io.sluice.protocol.v1.Deliveries;
import io.sluice.protocol.v1.ReceiptResult;
import io.sluice.protocol.v1.ReceiptResults;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.ConsumptionMode;
import io.sluice.protocol.v1.StartPosition;
import io.sluice.protocol.v1.Subscribed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;

/**
 * One {@code Consume} stream. The client subscribes, then grants credit; the session pulls the
 * topic's queues in turn for at most the credit, and when no queue has anything it asks every queue
 * to say when a message arrives (no polling). What one pull returns goes out as one {@link
 * Deliveries} frame of at most {@code max-delivery-batch-bytes} (a single larger message goes alone).
 * The session pulls only while fewer than {@link #MAX_FRAMES_WAITING} of its frames wait to be taken
 * by the response stream ({@link DeliveriesTaken}): a client that stops reading (its HTTP/2 window
 * full) stops the pulls, so it costs a few frames of memory, and its credit stays unused instead of
 * its messages going invisible. An ack command is settled with one call per queue it names and answered with
 * one {@link ReceiptResults} frame (one result per handle); a nack or renew likewise. Commands from
 * the client are taken one at a time (stream backpressure) and at most {@link
 * #MAX_PENDING_RECEIPTS} receipt handles are being settled at once.
 */
public final class ConsumeSession extends AbstractBehavior<ConsumeSession.Command> {

  /** Local to the node: sent by its own streams and piped futures. */
  public sealed interface Command extends LocalOnly {}

  /** Acknowledges a client command so the input stream sends the next. */
  public enum StreamAck implements LocalOnly {
    INSTANCE
  }

  public record StreamStarted(ActorRef<StreamAck> ackTo) implements Command {}

  public record FromClient(ConsumeRequest request, ActorRef<StreamAck> ackTo) implements Command {}

  public enum ClientCompleted implements Command {
    INSTANCE
  }

  public record ClientFailed(Throwable failure) implements Command {}

  /** The response stream took a {@link Deliveries} frame (the transport has room for it). */
  public enum DeliveriesTaken implements Command {
    INSTANCE
  }

  /** The response stream ended (client cancelled or the connection closed). */
  public enum OutputClosed implements Command {
    INSTANCE
  }

  private record PullDone(int queueId, GroupQueue.Pulled pulled, Throwable failure) implements Command {}

  /** The subscription's new position was started (or failed to) on every queue but the unavailable ones. */
  private record PositionStarted(List<Integer> unavailable, Throwable failure) implements Command {}

  private enum Woken implements Command {
    INSTANCE
  }

  private enum WaitExpired implements Command {
    INSTANCE
  }

  /** The results of one client command naming {@code handles} receipts. */
  private record ReceiptsDone(List<ReceiptResult> results, int handles) implements Command {}

  static final int MAX_PENDING_RECEIPTS = 1024;
  /** Deliveries frames emitted and not yet taken by the response stream, beyond which no pull starts. */
  static final int MAX_FRAMES_WAITING = 2;
  private static final int MAX_PULL = 256;
  private static final Duration WAIT_WINDOW = Duration.ofSeconds(30);
  /**
   * How soon the session pulls again when it waits while a queue is unavailable: an unavailable
   * queue cannot report a message, and it is pulled again this soon after its node is back
   * (sharding retries a shard's allocation every 2 s too).
   */
  private static final Duration UNAVAILABLE_RECHECK = Duration.ofSeconds(2);

  public record Dependencies(TopicCatalog catalog, GroupQueues groups, GatewaySettings settings) {}

  public static Behavior<Command> create(BoundedSourceQueue<ConsumeResponse> out, Dependencies deps) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new ConsumeSession(ctx, timers, out, deps)));
  }

  private final TimerScheduler<Command> timers;
  private final BoundedSourceQueue<ConsumeResponse> out;
  private final Dependencies deps;
  private final ActorRef<GroupQueue.Available> wakeUp;
  private Subscription subscription;
  /** Where a new position starts (null: an existing one is used). */
  private StartPosition startPosition;
  /** Queues whose new position is not started yet: they were unavailable when the stream subscribed. */
  private final Set<Integer> unstarted = new HashSet<>();
  private int credit;
  private int nextQueue;
  private int emptyPulls;
  private boolean pulling;
  /** A new position is being started: no pulls until it is. */
  private boolean starting;
  private boolean waiting;
  private int pendingReceipts;
  private int framesWaiting;
  private ActorRef<StreamAck> heldAck;
  /** The client half-closed its side: no new deliveries. */
  private boolean clientDone;
  /** The response stream is finished; the session stops after the current message. */
  private boolean closed;

  private ConsumeSession(ActorContext<Command> context, TimerScheduler<Command> timers,
      BoundedSourceQueue<ConsumeResponse> out, Dependencies deps) {
    super(context);
    this.timers = timers;
    this.out = out;
    this.deps = deps;
    this.wakeUp = context.messageAdapter(GroupQueue.Available.class, available -> Woken.INSTANCE);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(StreamStarted.class, started -> {
          started.ackTo().tell(StreamAck.INSTANCE);
          return this;
        })
        .onMessage(FromClient.class, this::onClient)
        .onMessage(PullDone.class, this::onPulled)
        .onMessage(PositionStarted.class, this::onPositionStarted)
        .onMessageEquals(Woken.INSTANCE, this::onWoken)
        .onMessageEquals(WaitExpired.INSTANCE, this::onWoken)
        .onMessage(ReceiptsDone.class, this::onReceiptsDone)
        .onMessageEquals(DeliveriesTaken.INSTANCE, () -> {
          framesWaiting--;
          pullIfDue();
          return next();
        })
        .onMessageEquals(ClientCompleted.INSTANCE, this::onClientCompleted)
        .onMessage(ClientFailed.class, failed -> {
          getContext().getLog().debug("consume stream input failed: {}", failed.failure().toString());
          out.fail(failed.failure());
          return Behaviors.stopped();
        })
        .onMessageEquals(OutputClosed.INSTANCE, Behaviors::stopped)
        .build();
  }

  private Behavior<Command> onClient(FromClient command) {
    try {
      handle(command.request());
    } catch (RuntimeException | StackOverflowError e) {
      // a request this stream cannot take ends the stream, never the actor system
      out.fail(BrokerException.of(e).toGrpc());
      return Behaviors.stopped();
    }
    if (pendingReceipts < MAX_PENDING_RECEIPTS) {
      command.ackTo().tell(StreamAck.INSTANCE);
    } else {
      heldAck = command.ackTo();
    }
    return next();
  }

  private void handle(ConsumeRequest request) {
    switch (request.getCommandCase()) {
      case SUBSCRIBE -> subscribe(request);
      case CREDIT -> grant(request.getCredit().getMessages());
      case ACK -> ackAll(request.getAck().getReceiptHandlesList());
      case NACK -> {
        String handle = request.getNack().getReceiptHandle();
        long delay = request.getNack().getDelayMs();
        settle(handle, r -> {
          if (delay < 0 || delay > GroupQueue.Nack.MAX_DELAY_MS) {
            throw BrokerException.invalid(Reason.INVALID_INVISIBLE_DURATION,
                "nack delay " + delay + " ms is outside 0 .. " + GroupQueue.Nack.MAX_DELAY_MS + " ms");
          }
          return deps.groups().nack(subscribed().group(), subscribed().topic().name(), r, delay)
              .thenApply(done -> ReceiptSettler.ok(handle));
        });
      }
      case RENEW -> {
        String handle = request.getRenew().getReceiptHandle();
        long invisibleMs = request.getRenew().getInvisibleDurationMs();
        settle(handle, r -> {
          Subscription.checkInvisible(invisibleMs);
          return deps.groups().changeInvisible(subscribed().group(), subscribed().topic().name(), r, invisibleMs)
              .thenApply(renewed -> ReceiptSettler.ok(handle).toBuilder()
                  .setNewReceiptHandle(r.withNonce(renewed.nonce()).encode())
                  .build());
        });
      }
      default -> throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "empty consume command");
    }
  }

  private void subscribe(ConsumeRequest request) {
    if (subscription != null) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "this stream is already subscribed");
    }
    var s = request.getSubscribe();
    long invisibleMs = s.getInvisibleDurationMs() == 0
        ? deps.settings().defaultInvisibleDuration().toMillis() : s.getInvisibleDurationMs();
    subscription = Subscription.check(
        deps.catalog(), s.getGroup(), s.getMode(), s.getClientId(), s.getTopic(), s.getFilter(), invisibleMs);
    StartPosition start = s.getStartPosition() != StartPosition.START_POSITION_DEFAULT ? s.getStartPosition()
        : s.getMode() == ConsumptionMode.BROADCASTING ? StartPosition.LATEST : null;
    if (start == null) {
      onStarted();
      return;
    }
    // A new position starts where asked before anything is pulled; an existing one stays. A queue
    // that is unavailable starts when it is first pulled after its node is back.
    starting = true;
    startPosition = start;
    List<CompletableFuture<Integer>> starts = new ArrayList<>();
    for (int q = 0; q < subscription.topic().queueCount(); q++) {
      int queueId = q;
      starts.add(startPosition(queueId)
          .handle((progress, failure) -> {
            if (failure == null) {
              return -1;
            }
            if (isUnavailable(failure)) {
              return queueId;
            }
            throw BrokerException.of(failure);
          })
          .toCompletableFuture());
    }
    getContext().pipeToSelf(CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)),
        (ok, failure) -> new PositionStarted(
            failure != null ? List.of() : starts.stream().map(CompletableFuture::join).filter(q -> q >= 0).toList(),
            failure));
  }

  /** Starts the subscription's new position on one queue (its end for LATEST, else 0), unless it exists. */
  private CompletionStage<GroupQueue.Progress> startPosition(int queueId) {
    String topic = subscription.topic().name();
    CompletionStage<Long> offset = startPosition == StartPosition.LATEST
        ? deps.groups().endOffset(topic, queueId).thenApply(Queue.EndOffset::offset)
        : CompletableFuture.completedFuture(0L);
    return offset.thenCompose(o -> deps.groups().startAt(subscription.group(), topic, queueId, o));
  }

  private static boolean isUnavailable(Throwable failure) {
    return BrokerException.of(failure).reason() == Reason.QUEUE_UNAVAILABLE;
  }

  private Behavior<Command> onPositionStarted(PositionStarted started) {
    starting = false;
    if (started.failure() != null) {
      out.fail(BrokerException.of(started.failure()).toGrpc());
      return Behaviors.stopped();
    }
    unstarted.addAll(started.unavailable());
    onStarted();
    pullIfDue();
    return next();
  }

  private void onStarted() {
    Subscribed.Builder subscribed = Subscribed.newBuilder();
    for (int q = 0; q < subscription.topic().queueCount(); q++) {
      subscribed.addQueueIds(q);
    }
    emit(ConsumeResponse.newBuilder().setSubscribed(subscribed).build());
  }

  private Subscription subscribed() {
    if (subscription == null) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "subscribe before granting credit or acking");
    }
    return subscription;
  }

  private void grant(int messages) {
    subscribed();
    if (messages <= 0 || (long) credit + messages > deps.settings().maxCredit()) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT, "credit of " + messages + " is invalid: outstanding credit "
          + credit + " plus the grant must stay within 1 .. " + deps.settings().maxCredit());
    }
    credit += messages;
    pullIfDue();
  }

  private void ackAll(List<String> handles) {
    Subscription s = subscribed();
    if (handles.isEmpty()) {
      return; // nothing to settle, nothing to answer
    }
    pendingReceipts += handles.size();
    getContext().pipeToSelf(
        ReceiptSettler.ackAll(handles, s.topic(), deps.groups().receipts(),
            (queueId, receipts) -> deps.groups().ack(s.group(), s.topic().name(), queueId, receipts)),
        (results, never) -> new ReceiptsDone(results, handles.size()));
  }

  /** Runs one nack or renew; its result (or refusal) goes back as a {@link ReceiptResults} of one. */
  private void settle(String handle, Function<ReceiptHandle, CompletionStage<ReceiptResult>> call) {
    subscribed();
    pendingReceipts++;
    getContext().pipeToSelf(
        ReceiptSettler.settle(handle, subscription.topic(), deps.groups().receipts(), call), (result, never) -> new ReceiptsDone(List.of(result), 1));
  }

  /** The client half-closed: answer the receipt operations still running, then complete. */
  private Behavior<Command> onClientCompleted() {
    clientDone = true;
    if (pendingReceipts == 0) {
      out.complete();
      return Behaviors.stopped();
    }
    return this;
  }

  private Behavior<Command> onReceiptsDone(ReceiptsDone done) {
    pendingReceipts -= done.handles();
    emit(ConsumeResponse.newBuilder()
        .setReceiptResults(ReceiptResults.newBuilder().addAllResults(done.results())).build());
    if (clientDone && pendingReceipts == 0) {
      out.complete();
      return Behaviors.stopped();
    }
    if (heldAck != null && pendingReceipts < MAX_PENDING_RECEIPTS) {
      heldAck.tell(StreamAck.INSTANCE);
      heldAck = null;
    }
    return next();
  }

  /** Pulls the next queue when there is credit, room in the response stream, no pull running and no reason to wait. */
  private void pullIfDue() {
    if (credit == 0 || pulling || waiting || clientDone || starting || framesWaiting >= MAX_FRAMES_WAITING) {
      return;
    }
    pulling = true;
    int queueId = nextQueue;
    nextQueue = (nextQueue + 1) % subscription.topic().queueCount();
    int max = Math.min(credit, MAX_PULL);
    CompletionStage<?> started = unstarted.contains(queueId)
        ? startPosition(queueId) : CompletableFuture.completedFuture(null);
    getContext().pipeToSelf(
        started.thenCompose(ok -> deps.groups().pull(subscription.group(), subscription.topic().name(), queueId,
            max, deps.settings().maxDeliveryBatchBytes() - GatewaySettings.REPLY_OVERHEAD_BYTES,
            true, subscription.invisibleMs(),
            subscription.filter(), subscription.ordered())),
        (pulled, failure) -> new PullDone(queueId, pulled, failure));
  }

  private Behavior<Command> onPulled(PullDone done) {
    pulling = false;
    if (done.failure() == null) {
      unstarted.remove(done.queueId());
    }
    if (clientDone && done.failure() == null) {
      // Pulled while the client was leaving: these deliveries return to the group when their
      // invisible time passes, like any unacked delivery.
      return next();
    }
    int delivered = 0;
    if (done.failure() != null && isUnavailable(done.failure())) {
      // the other queues go on; this one is pulled again when the session next comes round to it
      getContext().getLog().debug("queue {} of topic {} is unavailable", done.queueId(), subscription.topic().name());
    } else if (done.failure() != null) {
      getContext().getLog().warn("pull for group {} on topic {} failed: {}",
          subscription.group(), subscription.topic().name(), done.failure().toString());
    } else if (!done.pulled().deliveries().isEmpty()) {
      Deliveries.Builder batch = Deliveries.newBuilder();
      for (GroupQueue.Delivered d : done.pulled().deliveries()) {
        batch.addDeliveries(deps.groups().toDelivery(subscription.topic(), d));
      }
      delivered = batch.getDeliveriesCount();
      framesWaiting++;
      emit(ConsumeResponse.newBuilder().setDeliveries(batch).build());
    }
    credit -= delivered;
    emptyPulls = delivered > 0 ? 0 : emptyPulls + 1;
    if (emptyPulls >= subscription.topic().queueCount()) {
      awaitMessages();
    } else {
      pullIfDue();
    }
    return next();
  }

  /** Every queue came back empty: ask each to report the next message instead of polling. */
  private void awaitMessages() {
    waiting = true;
    long deadline = System.currentTimeMillis() + WAIT_WINDOW.toMillis();
    boolean allAvailable = true;
    for (int q = 0; q < subscription.topic().queueCount(); q++) {
      String topic = subscription.topic().name();
      if (deps.groups().isAvailable(topic, q)) {
        deps.groups().await(subscription.group(), topic, q, deadline, wakeUp);
      } else {
        allAvailable = false;
      }
    }
    timers.startSingleTimer(WaitExpired.INSTANCE, allAvailable ? WAIT_WINDOW.minusSeconds(1) : UNAVAILABLE_RECHECK);
  }

  private Behavior<Command> onWoken() {
    if (waiting) {
      waiting = false;
      emptyPulls = 0;
      timers.cancel(WaitExpired.INSTANCE);
      pullIfDue();
    }
    return this;
  }

  /** Sends {@code response}; a client that stopped reading its stream gets the stream failed as busy. */
  private void emit(ConsumeResponse response) {
    if (closed) {
      return;
    }
    QueueOfferResult result = out.offer(response);
    if (result == QueueOfferResult.dropped()) {
      out.fail(BrokerException.busy(
          "consumer is not reading its stream: " + out.size() + " responses are waiting").toGrpc());
      closed = true;
    } else if (!result.isEnqueued()) {
      closed = true;
    }
  }

  private Behavior<Command> next() {
    return closed ? Behaviors.stopped() : this;
  }
}
