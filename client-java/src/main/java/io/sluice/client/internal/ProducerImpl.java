package io.sluice.client.internal;

import io.grpc.Status;
import io.sluice.client.BrokerBusyException;
import io.sluice.client.BrokerUnavailableException;
import io.sluice.client.Message;
import io.sluice.client.MessageTooLargeException;
import io.sluice.client.Producer;
import io.sluice.client.ProducerSettings;
import io.sluice.client.Reason;
import io.sluice.client.SendReceipt;
import io.sluice.client.SluiceException;
import io.sluice.protocol.v1.MessageQueue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.event.LoggingAdapter;

/**
 * The {@link Producer}: messages go into a {@link ProduceLane} (a batcher feeding one {@code
 * Produce} stream, at most {@code maxInFlightRequests} batches unanswered; while it is full, new
 * messages gather and leave together when an answer makes room). With direct routing, each message
 * goes to the lane of the node that owns the queue the broker will pick for it ({@link TopicRoute},
 * from the {@link RouteCache}); without a route, or when that node failed lately, to the fallback
 * lane on the client's current endpoint, which forwards inside the cluster. Pipelined sends are
 * under a byte budget (a semaphore of {@code maxInFlightBytes} permits taken per message and
 * returned when its batch is answered or failed) shared by all lanes. Synchronous sends go through
 * the same lanes without linger, each attempt run by the {@link Retrier} and bounded by the
 * request timeout (see {@link SyncSend}); an attempt after a failed node goes through the fallback.
 * Thread-safe; the streams' threads never wait for a lock held by a blocked caller.
 */
public final class ProducerImpl implements Producer {
  private final ClientContext context;
  private final ProducerSettings settings;
  private final Runnable onClosed;
  private final LoggingAdapter log;
  private final Semaphore inFlightBytes;
  private final long maxBlockNanos;
  private final ProduceLane fallback;
  private final RouteCache routes;
  private final Map<EndpointPool.Address, ProduceLane> direct = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Creates a producer; streams open on the first send.
   *
   * @param context the client
   * @param settings batching, buffering and routing
   * @param onClosed called once when closed
   */
  public ProducerImpl(ClientContext context, ProducerSettings settings, Runnable onClosed) {
    this.context = context;
    this.settings = Objects.requireNonNull(settings, "settings");
    this.onClosed = onClosed;
    this.log = context.log(ProducerImpl.class);
    this.inFlightBytes = new Semaphore((int) settings.maxInFlightBytes());
    this.maxBlockNanos = settings.maxBlock().toNanos();
    this.fallback = lane(() -> context.pool().current(), this::onFallbackFailed);
    this.routes = new RouteCache(context, settings.routeRefreshInterval(), System::nanoTime);
  }

  @Override
  public SendReceipt send(Message message) {
    return send(List.of(message)).get(0);
  }

  @Override
  public List<SendReceipt> send(List<Message> messages) {
    return sendWire(messages.stream().map(Protos::toProto).toList(), receipt -> {});
  }

  /**
   * Sends messages in wire form like {@link #send(List)} (a transaction's half messages).
   *
   * @param messages the messages, not empty
   * @param onStored told of each stored message on the caller's thread, even when the call fails
   * @return one receipt per message, in order
   */
  public List<SendReceipt> sendWire(
      List<io.sluice.protocol.v1.Message> messages, Consumer<SendReceipt> onStored) {
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("no messages to send");
    }
    ensureOpen();
    if (settings.directRouting()) {
      // a caller that waits anyway waits for the route too, so even its first send goes direct
      for (String topic : messages.stream().map(io.sluice.protocol.v1.Message::getTopic).distinct().toList()) {
        Blocking.awaitQuietly(routes.ready(topic), context.requestTimeout());
      }
    }
    return new SyncSend(context, messages, onStored, this::addSync).await();
  }

  @Override
  public CompletionStage<SendReceipt> sendAsync(Message message) {
    Objects.requireNonNull(message, "message");
    if (closed.get()) {
      return CompletableFuture.failedFuture(new IllegalStateException("the producer is closed"));
    }
    io.sluice.protocol.v1.Message proto = Protos.toProto(message);
    int size = proto.getSerializedSize();
    if (size > ProducerSettings.MAX_REQUEST_BYTES) {
      return CompletableFuture.failedFuture(tooLarge(message.messageId(), size));
    }
    if (size > settings.maxInFlightBytes()) {
      return CompletableFuture.failedFuture(
          new MessageTooLargeException(
              Reason.MESSAGE_TOO_LARGE,
              Status.Code.INVALID_ARGUMENT,
              "message "
                  + message.messageId()
                  + " of "
                  + size
                  + " bytes is larger than the producer's maxInFlightBytes "
                  + settings.maxInFlightBytes(),
              null));
    }
    if (!acquire(size)) {
      return CompletableFuture.failedFuture(
          new BrokerBusyException(
              Reason.BROKER_BUSY,
              Status.Code.RESOURCE_EXHAUSTED,
              "producer buffer full: "
                  + settings.maxInFlightBytes()
                  + " bytes sent and not yet acknowledged (maxInFlightBytes)",
              null));
    }
    CompletableFuture<SendReceipt> future = new CompletableFuture<>();
    if (!laneFor(proto, future).add(proto, size, future)) {
      inFlightBytes.release(size);
      return CompletableFuture.failedFuture(new IllegalStateException("the producer is closed"));
    }
    return future;
  }

  @Override
  public void flush() {
    fallback.flush();
    direct.values().forEach(ProduceLane::flush);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<ProduceLane> lanes = new ArrayList<>(direct.values());
    lanes.add(fallback);
    lanes.forEach(ProduceLane::close);
    for (ProduceLane lane : lanes) {
      ProduceStream s = lane.stream();
      if (s != null && !Blocking.awaitQuietly(s.done(), context.requestTimeout())) {
        s.abort(
            new BrokerUnavailableException(
                Reason.UNSPECIFIED,
                Status.Code.DEADLINE_EXCEEDED,
                "producer closed before every receipt arrived",
                null));
        Blocking.awaitQuietly(s.done(), context.requestTimeout());
      }
    }
    onClosed.run();
  }

  @Override
  public String toString() {
    return "Producer[" + settings + "]";
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the producer is closed");
    }
  }

  private boolean acquire(int size) {
    if (inFlightBytes.tryAcquire(size)) {
      return true;
    }
    if (maxBlockNanos == 0) {
      return false;
    }
    try {
      return inFlightBytes.tryAcquire(size, maxBlockNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** One attempt of a synchronous send: each message into its lane, in order per lane. */
  private boolean addSync(
      List<io.sluice.protocol.v1.Message> messages,
      int[] sizesBytes,
      List<CompletableFuture<SendReceipt>> futures) {
    Map<ProduceLane, List<Integer>> byLane = new LinkedHashMap<>();
    for (int i = 0; i < messages.size(); i++) {
      byLane.computeIfAbsent(laneFor(messages.get(i), futures.get(i)), l -> new ArrayList<>()).add(i);
    }
    for (Map.Entry<ProduceLane, List<Integer>> e : byLane.entrySet()) {
      List<Integer> indices = e.getValue();
      List<io.sluice.protocol.v1.Message> part = new ArrayList<>(indices.size());
      List<CompletableFuture<SendReceipt>> partFutures = new ArrayList<>(indices.size());
      int[] partSizes = new int[indices.size()];
      for (int k = 0; k < indices.size(); k++) {
        part.add(messages.get(indices.get(k)));
        partFutures.add(futures.get(indices.get(k)));
        partSizes[k] = sizesBytes[indices.get(k)];
      }
      if (!e.getKey().addSync(part, partSizes, partFutures)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The lane of the node owning the message's predicted queue, or the fallback. A NOT_MASTER answer
   * (the queue's broker group has a new master) makes the producer fetch the topic's route again, so
   * the resend under the same message id goes to the new master or through the fallback.
   */
  private ProduceLane laneFor(io.sluice.protocol.v1.Message message, CompletableFuture<SendReceipt> future) {
    future.whenComplete(
        (receipt, failure) -> {
          if (failure != null && ErrorMapper.fromThrowable(failure).reason() == Reason.NOT_MASTER) {
            routes.invalidate(message.getTopic());
          }
        });
    return laneFor(message);
  }

  private ProduceLane laneFor(io.sluice.protocol.v1.Message message) {
    if (!settings.directRouting() || closed.get()) {
      return fallback; // a closed producer's fallback refuses the message
    }
    TopicRoute route = routes.route(message.getTopic());
    MessageQueue queue = route == null ? null : route.predict(message);
    if (queue == null || queue.getEndpointsCount() == 0) {
      return fallback;
    }
    EndpointPool.Address owner;
    try {
      owner = EndpointPool.Address.parse(queue.getEndpoints(0));
    } catch (IllegalArgumentException malformed) {
      return fallback;
    }
    if (routes.isSuspect(owner) || owner.equals(context.pool().current().address())) {
      return fallback;
    }
    return direct.computeIfAbsent(
        owner, a -> lane(() -> context.pool().at(a), (s, cause) -> onDirectFailed(a, s, cause)));
  }

  private ProduceLane lane(
      Supplier<EndpointPool.Endpoint> endpoint,
      BiConsumer<ProduceStream, SluiceException> onStreamFailed) {
    return new ProduceLane(
        context,
        endpoint,
        settings.batchSizeBytes(),
        settings.linger().toNanos(),
        this::scheduleLinger,
        settings.maxInFlightRequests(),
        batch -> inFlightBytes.release(batch.bufferedBytes()),
        onStreamFailed,
        this::failLater);
  }

  private Runnable scheduleLinger(long delayNanos, Runnable task) {
    try {
      ScheduledFuture<?> f = context.timer().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    } catch (RejectedExecutionException clientClosing) {
      // the batch then leaves on the next size trigger, flush or close
      return () -> {};
    }
  }

  private void onFallbackFailed(ProduceStream s, SluiceException cause) {
    if (cause.statusCode() == Status.Code.UNAVAILABLE) {
      context.pool().failover(s.endpoint());
    }
    log.warning(
        "produce stream to {} failed; unanswered sends failed, the next send opens a new stream:"
            + " {}",
        s.endpoint().address(),
        cause.getMessage());
  }

  private void onDirectFailed(EndpointPool.Address node, ProduceStream s, SluiceException cause) {
    if (cause.statusCode() == Status.Code.UNAVAILABLE) {
      routes.nodeFailed(node);
    }
    log.warning(
        "produce stream to node {} failed; unanswered sends failed, sends to its queues go through"
            + " {} until its route is fetched again: {}",
        node,
        context.pool().current().address(),
        cause.getMessage());
  }

  private void failLater(Batch batch, SluiceException failure) {
    inFlightBytes.release(batch.bufferedBytes());
    // not on the caller's thread: it holds the batcher's lock and user callbacks may send again
    context.system().dispatcher().execute(() -> batch.fail(failure));
  }

  /** A message no request may carry: sent, it would fail the whole stream at the broker. */
  static MessageTooLargeException tooLarge(String messageId, int sizeBytes) {
    return new MessageTooLargeException(
        Reason.MESSAGE_TOO_LARGE,
        Status.Code.INVALID_ARGUMENT,
        "message "
            + messageId
            + " of "
            + sizeBytes
            + " bytes is larger than a request may be ("
            + ProducerSettings.MAX_REQUEST_BYTES
            + " bytes)",
        null);
  }
}
