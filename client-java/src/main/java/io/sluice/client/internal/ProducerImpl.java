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
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.event.LoggingAdapter;

/**
 * The {@link Producer}: a {@link Batcher} feeding one {@link ProduceStream} at a time, which keeps
 * at most {@code maxInFlightRequests} batches unanswered; while it is full, new messages gather in
 * the batcher and leave together when an answer makes room. Pipelined sends are under a byte budget
 * (a semaphore of {@code maxInFlightBytes} permits taken per message and returned when its batch is
 * answered or failed). Synchronous sends go through the same batcher without linger, each attempt
 * run by the {@link Retrier} and bounded by the request timeout (see {@link SyncSend}).
 * Thread-safe; the stream's threads never wait for a lock held by a blocked caller.
 */
public final class ProducerImpl implements Producer {
  private final ClientContext context;
  private final ProducerSettings settings;
  private final Runnable onClosed;
  private final LoggingAdapter log;
  private final Semaphore inFlightBytes;
  private final long maxBlockNanos;
  private final Batcher batcher;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ProduceStream stream; // replaced under this

  /**
   * Creates a producer; the stream opens on the first send.
   *
   * @param context the client
   * @param settings batching and buffering
   * @param onClosed called once when closed
   */
  public ProducerImpl(ClientContext context, ProducerSettings settings, Runnable onClosed) {
    this.context = context;
    this.settings = Objects.requireNonNull(settings, "settings");
    this.onClosed = onClosed;
    this.log = context.log(ProducerImpl.class);
    this.inFlightBytes = new Semaphore((int) settings.maxInFlightBytes());
    this.maxBlockNanos = settings.maxBlock().toNanos();
    this.batcher =
        new Batcher(
            settings.batchSizeBytes(),
            settings.linger().toNanos(),
            this::scheduleLinger,
            this::streamHasRoom,
            this::dispatch);
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
    return new SyncSend(context, messages, onStored, batcher).await();
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
    if (!batcher.add(proto, size, future)) {
      inFlightBytes.release(size);
      return CompletableFuture.failedFuture(new IllegalStateException("the producer is closed"));
    }
    return future;
  }

  @Override
  public void flush() {
    batcher.flush();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    batcher.close();
    ProduceStream s = stream;
    if (s != null) {
      s.complete();
      if (!Blocking.awaitQuietly(s.done(), context.requestTimeout())) {
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

  private Runnable scheduleLinger(long delayNanos, Runnable task) {
    try {
      ScheduledFuture<?> f = context.timer().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    } catch (RejectedExecutionException clientClosing) {
      // the batch then leaves on the next size trigger, flush or close
      return () -> {};
    }
  }

  /** Runs under the batcher's lock: wire order is batch order. */
  private void dispatch(Batch batch) {
    try {
      ProduceStream s = stream();
      if (s.send(batch)) {
        return;
      }
      // the stream ended between the check and the offer: the next one takes the batch
      ProduceStream fresh = stream();
      if (fresh != s && fresh.send(batch)) {
        return;
      }
      failLater(
          batch,
          new BrokerUnavailableException(
              Reason.UNSPECIFIED,
              Status.Code.UNAVAILABLE,
              "produce stream to " + s.endpoint().address() + " is not accepting requests",
              null));
    } catch (RuntimeException e) {
      failLater(batch, ErrorMapper.fromThrowable(e));
    }
  }

  private synchronized ProduceStream stream() {
    if (stream == null || stream.isTerminated()) {
      stream =
          ProduceStream.open(
              context.pool().current(),
              context,
              settings.maxInFlightRequests(),
              this::onBatchDone,
              this::onStreamTerminated);
    }
    return stream;
  }

  /** Called under the batcher's lock. */
  private boolean streamHasRoom() {
    ProduceStream s = stream;
    return s == null || s.hasRoom();
  }

  /** On a stream thread, holding no lock: the answer (or failure) may have made room. */
  private void onBatchDone(Batch batch) {
    inFlightBytes.release(batch.bufferedBytes());
    batcher.sinkHasRoom();
  }

  private void onStreamTerminated(ProduceStream s, SluiceException cause) {
    if (cause == null) {
      return;
    }
    if (cause.statusCode() == Status.Code.UNAVAILABLE) {
      context.pool().failover(s.endpoint());
    }
    log.warning(
        "produce stream to {} failed; unanswered sends failed, the next send opens a new stream:"
            + " {}",
        s.endpoint().address(),
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
