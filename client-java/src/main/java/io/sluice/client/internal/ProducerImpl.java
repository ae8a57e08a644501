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
import io.sluice.protocol.v1.SendRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.event.LoggingAdapter;

/**
 * The {@link Producer}: a {@link Batcher} feeding one {@link ProduceStream} at a time, under a byte
 * budget (a semaphore of {@code maxInFlightBytes} permits taken per message and returned when its
 * batch is answered or failed); and the unary {@code Send} path under the {@link Retrier}.
 * Thread-safe.
 */
public final class ProducerImpl implements Producer {
  // Batches waiting for the wire; the byte budget limits them long before this does.
  private static final int STREAM_QUEUE_CAPACITY = 1 << 16;

  private final ClientContext context;
  private final ProducerSettings settings;
  private final Runnable onClosed;
  private final LoggingAdapter log;
  private final Semaphore inFlightBytes;
  private final long maxBlockNanos;
  private final Batcher batcher;
  private final AtomicBoolean closed = new AtomicBoolean();
  private ProduceStream stream; // guarded by this

  /**
   * Creates a producer; the stream opens on the first {@link #sendAsync}.
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
            this::dispatch);
  }

  @Override
  public SendReceipt send(Message message) {
    return send(List.of(message)).get(0);
  }

  @Override
  public List<SendReceipt> send(List<Message> messages) {
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("no messages to send");
    }
    ensureOpen();
    return Blocking.await(sendUnary(messages));
  }

  @Override
  public CompletionStage<SendReceipt> sendAsync(Message message) {
    Objects.requireNonNull(message, "message");
    if (closed.get()) {
      return CompletableFuture.failedFuture(new IllegalStateException("the producer is closed"));
    }
    io.sluice.protocol.v1.Message proto = Protos.toProto(message);
    int size = proto.getSerializedSize();
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
    ProduceStream s;
    synchronized (this) {
      s = stream;
    }
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
              STREAM_QUEUE_CAPACITY,
              b -> inFlightBytes.release(b.sizeBytes()),
              this::onStreamTerminated);
    }
    return stream;
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
    inFlightBytes.release(batch.sizeBytes());
    // not on the caller's thread: it holds the batcher's lock and user callbacks may send again
    context.system().dispatcher().execute(() -> batch.fail(failure));
  }

  private CompletableFuture<List<SendReceipt>> sendUnary(List<Message> messages) {
    int n = messages.size();
    io.sluice.protocol.v1.Message[] protos = new io.sluice.protocol.v1.Message[n];
    for (int i = 0; i < n; i++) {
      protos[i] = Protos.toProto(messages.get(i));
    }
    SendReceipt[] receipts = new SendReceipt[n];
    SluiceException[] errors = new SluiceException[n];
    // Attempts run one after another, so the arrays need no locking: each attempt resends what
    // is neither stored nor rejected for good, under the same message ids.
    CompletableFuture<Void> sent =
        context.retrier().call(endpoint -> sendRemaining(endpoint, protos, receipts, errors));
    return sent.handle(
        (ok, failure) -> {
          if (failure != null) {
            SluiceException cause = ErrorMapper.fromThrowable(failure);
            for (int i = 0; i < n; i++) {
              if (receipts[i] == null && errors[i] == null) {
                errors[i] = cause;
              }
            }
          }
          SluiceException first = null;
          for (SluiceException e : errors) {
            if (e == null) {
              continue;
            }
            if (first == null) {
              first = e;
            } else if (e != first) {
              first.addSuppressed(e);
            }
          }
          if (first != null) {
            throw first;
          }
          return List.copyOf(Arrays.asList(receipts));
        });
  }

  private CompletionStage<Void> sendRemaining(
      EndpointPool.Endpoint endpoint,
      io.sluice.protocol.v1.Message[] protos,
      SendReceipt[] receipts,
      SluiceException[] errors) {
    List<Integer> pending = new ArrayList<>();
    SendRequest.Builder request = SendRequest.newBuilder();
    for (int i = 0; i < protos.length; i++) {
      if (receipts[i] == null && errors[i] == null) {
        pending.add(i);
        request.addMessages(protos[i]);
      }
    }
    return endpoint
        .messaging()
        .send(request.build())
        .thenApply(
            response -> {
              SluiceException busy = null;
              for (int k = 0; k < pending.size(); k++) {
                int i = pending.get(k);
                if (k >= response.getReceiptsCount()) {
                  errors[i] =
                      new SluiceException(
                          Reason.UNSPECIFIED,
                          Status.Code.INTERNAL,
                          "broker answered "
                              + response.getReceiptsCount()
                              + " receipts for "
                              + pending.size()
                              + " messages",
                          null);
                  continue;
                }
                io.sluice.protocol.v1.SendReceipt r = response.getReceipts(k);
                if (r.getStatus().getCode() == 0) {
                  receipts[i] = Protos.toReceipt(r);
                } else {
                  SluiceException e = ErrorMapper.fromItemStatus(r.getStatus());
                  if (e.reason() == Reason.BROKER_BUSY) {
                    busy = e;
                  } else {
                    errors[i] = e;
                  }
                }
              }
              if (busy != null) {
                // retriable: the retrier backs off and the next attempt resends the busy ones
                throw busy;
              }
              return null;
            });
  }
}
