package io.sluice.client.internal;

import io.grpc.Status;
import io.sluice.client.ConsumeResult;
import io.sluice.client.MessageListener;
import io.sluice.client.PushConsumer;
import io.sluice.client.PushConsumerSettings;
import io.sluice.client.SluiceException;
import io.sluice.protocol.v1.AckRequest;
import io.sluice.protocol.v1.AckResponse;
import io.sluice.protocol.v1.Acknowledge;
import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ConsumeResponse;
import io.sluice.protocol.v1.Credit;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.Nack;
import io.sluice.protocol.v1.ReceiptResult;
import io.sluice.protocol.v1.Subscribe;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.event.LoggingAdapter;

/**
 * The {@link PushConsumer}. Deliveries arrive on the stream's thread and go to a fixed pool of
 * listener threads; the outcome is sent back on the stream (ack or nack) followed by any credit
 * that became free, both under one lock so the broker always sees the ack before the credit that
 * replaces it. A message held longer than half its invisible duration is renewed; the ack waits for
 * a renewal in flight so it carries the newest receipt handle. When the stream ends, the consumer
 * reconnects with backoff; outcomes of messages from the dead stream are sent with the unary {@code
 * Ack} (a nack is dropped: the invisibility expiry redelivers the message). Thread-safe.
 */
public final class PushConsumerImpl implements PushConsumer {
  private final ClientContext context;
  private final PushConsumerSettings settings;
  private final MessageListener listener;
  private final Runnable onClosed;
  private final LoggingAdapter log;
  private final ThreadPoolExecutor workers;
  private final ConsumeRequest subscribe;
  private final long invisibleMs;
  private final int queueCapacity;
  private final Renewer renewer;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean closing;

  private final Object lock = new Object();
  private final CreditWindow credit; // guarded by lock
  private ConsumeSession session; // guarded by lock
  private int reconnectAttempt; // guarded by lock
  private ScheduledFuture<?> reconnect; // guarded by lock

  private PushConsumerImpl(
      ClientContext context,
      PushConsumerSettings settings,
      MessageListener listener,
      Runnable onClosed) {
    this.context = context;
    this.settings = Objects.requireNonNull(settings, "settings");
    this.listener = listener;
    this.onClosed = onClosed;
    this.log = context.log(PushConsumerImpl.class);
    this.credit = new CreditWindow(settings.maxCachedMessages());
    this.invisibleMs = settings.invisibleDuration().toMillis();
    this.renewer =
        new Renewer(
            context, settings.group(), settings.topic(), invisibleMs, log, this::offerOnItsStream);
    // outcomes, renewals and credits of at most a window of messages, plus the subscribe
    this.queueCapacity = 3 * settings.maxCachedMessages() + 16;
    this.workers =
        new ThreadPoolExecutor(
            settings.consumptionThreads(),
            settings.consumptionThreads(),
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            Threads.daemonFactory("sluice-consumer-" + settings.group()));
    this.subscribe =
        ConsumeRequest.newBuilder()
            .setSubscribe(
                Subscribe.newBuilder()
                    .setGroup(settings.group())
                    .setTopic(settings.topic())
                    .setFilter(Protos.tagFilter(settings.filter()))
                    .setInvisibleDurationMs(invisibleMs)
                    .setClientId(settings.clientId()))
            .build();
  }

  /**
   * Creates a consumer and opens its stream.
   *
   * @param context the client
   * @param settings what and how to consume
   * @param listener processes messages
   * @param onClosed called once when closed
   * @return the running consumer
   */
  public static PushConsumerImpl start(
      ClientContext context,
      PushConsumerSettings settings,
      MessageListener listener,
      Runnable onClosed) {
    PushConsumerImpl consumer = new PushConsumerImpl(context, settings, listener, onClosed);
    consumer.connect();
    return consumer;
  }

  @Override
  public String group() {
    return settings.group();
  }

  @Override
  public String topic() {
    return settings.topic();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closing = true;
    synchronized (lock) {
      if (reconnect != null) {
        reconnect.cancel(false);
      }
    }
    long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
    workers.shutdown();
    ConsumeSession s;
    try {
      if (!workers.awaitTermination(remainingNanos(deadline), TimeUnit.NANOSECONDS)) {
        log.warning(
            "listeners of group {} on topic {} still running after {}; interrupting them",
            settings.group(),
            settings.topic(),
            settings.shutdownTimeout());
        workers.shutdownNow();
      }
      synchronized (lock) {
        // outcomes waiting for a renewal result are sent once it arrives
        while (credit.inProcess() > 0 && session != null && remainingNanos(deadline) > 0) {
          TimeUnit.NANOSECONDS.timedWait(lock, remainingNanos(deadline));
        }
        s = session;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      synchronized (lock) {
        s = session;
      }
    }
    if (s != null) {
      s.halfClose();
      if (s.done() == null || !Blocking.awaitQuietly(s.done(), context.requestTimeout())) {
        s.abort();
      }
    }
    onClosed.run();
  }

  @Override
  public String toString() {
    return "PushConsumer[" + settings.group() + " on " + settings.topic() + "]";
  }

  private static long remainingNanos(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  private void connect() {
    ConsumeSession s;
    synchronized (lock) {
      reconnect = null;
      if (closing) {
        return;
      }
      try {
        s =
            new ConsumeSession(
                context.pool().current(), context.materializer(), queueCapacity, subscribe);
      } catch (RuntimeException e) {
        log.warning("cannot open consume stream for group {}: {}", settings.group(), e.toString());
        return;
      }
      session = s;
      credit.onSessionStart();
      grantLocked(s);
    }
    s.start(context.materializer(), r -> onResponse(s, r), failure -> onSessionEnd(s, failure));
  }

  private void onResponse(ConsumeSession s, ConsumeResponse response) {
    switch (response.getEventCase()) {
      case SUBSCRIBED:
        synchronized (lock) {
          reconnectAttempt = 0;
        }
        log.info(
            "group {} subscribed to topic {} on {}, queues {}",
            settings.group(),
            settings.topic(),
            s.endpoint.address(),
            response.getSubscribed().getQueueIdsList());
        break;
      case DELIVERY:
        onDelivery(s, response.getDelivery());
        break;
      case RECEIPT_RESULT:
        onReceiptResult(response.getReceiptResult());
        break;
      default:
        break;
    }
  }

  private void onDelivery(ConsumeSession s, Delivery delivery) {
    HeldDelivery held = new HeldDelivery(new MessageViewImpl(delivery), s);
    boolean withinCredit;
    synchronized (lock) {
      reconnectAttempt = 0;
      withinCredit = credit.onDelivery();
    }
    if (!withinCredit) {
      log.warning(
          "gateway {} sent a delivery beyond the granted credit (group {})",
          s.endpoint.address(),
          settings.group());
    }
    renewer.schedule(held);
    try {
      workers.execute(() -> process(held));
    } catch (RejectedExecutionException shuttingDown) {
      afterListener(held, ConsumeResult.RETRY);
    }
  }

  private void process(HeldDelivery held) {
    ConsumeResult result = ConsumeResult.RETRY;
    if (!closing) {
      try {
        ConsumeResult r = listener.consume(held.view);
        result = r == null ? ConsumeResult.RETRY : r;
      } catch (Throwable t) {
        log.warning("listener failed on {}; nacking it: {}", held.view, t.toString());
      }
    }
    afterListener(held, result);
  }

  private void afterListener(HeldDelivery held, ConsumeResult result) {
    held.finish().whenComplete((ignored, failure) -> settle(held, result));
  }

  private void settle(HeldDelivery held, ConsumeResult result) {
    String handle = held.view.receiptHandle();
    boolean viaUnary;
    synchronized (lock) {
      ConsumeRequest outcome =
          result == ConsumeResult.SUCCESS
              ? ConsumeRequest.newBuilder()
                  .setAck(Acknowledge.newBuilder().addReceiptHandles(handle))
                  .build()
              : ConsumeRequest.newBuilder()
                  .setNack(Nack.newBuilder().setReceiptHandle(handle))
                  .build();
      boolean sent = session == held.session && held.session.offer(outcome);
      // an ack of a dead stream's delivery goes by unary call, and its slot stays taken until
      // that call is answered, so the broker never sees more outstanding than the window
      viaUnary = !sent && result == ConsumeResult.SUCCESS;
      if (!viaUnary) {
        releaseLocked();
      }
    }
    if (viaUnary) {
      ackUnary(held);
    }
  }

  private void releaseLocked() {
    credit.onSettled();
    if (session != null && !closing) {
      grantLocked(session);
    }
    lock.notifyAll();
  }

  private void grantLocked(ConsumeSession s) {
    int n = credit.grant();
    if (n > 0) {
      // if the offer fails the stream is ending; the next stream starts from fresh credit
      s.offer(ConsumeRequest.newBuilder().setCredit(Credit.newBuilder().setMessages(n)).build());
    }
  }

  private void ackUnary(HeldDelivery held) {
    AckRequest req =
        AckRequest.newBuilder()
            .setGroup(settings.group())
            .setTopic(settings.topic())
            .addReceiptHandles(held.view.receiptHandle())
            .build();
    CompletableFuture<AckResponse> ack;
    try {
      ack = context.retrier().call(ep -> ep.messaging().ack(req));
    } catch (RuntimeException e) {
      ack = CompletableFuture.failedFuture(e);
    }
    ack.whenComplete(
        (resp, failure) -> {
          synchronized (lock) {
            releaseLocked();
          }
          if (failure != null) {
            log.warning(
                "ack of {} failed; it will be delivered again: {}",
                held.view,
                ErrorMapper.fromThrowable(failure).getMessage());
          } else if (resp.getResultsCount() > 0 && resp.getResults(0).getStatus().getCode() != 0) {
            log.warning(
                "ack of {} rejected; it will be delivered again: {}",
                held.view,
                resp.getResults(0).getStatus().getMessage());
          }
        });
  }

  private void onReceiptResult(ReceiptResult result) {
    if (renewer.onResult(result)) {
      return;
    }
    if (result.getStatus().getCode() != 0) {
      log.warning(
          "gateway rejected the outcome for receipt {}: {}",
          result.getReceiptHandle(),
          ErrorMapper.fromItemStatus(result.getStatus()).getMessage());
    }
  }

  /** Offers a command on the delivery's stream if that stream is still the current one. */
  private boolean offerOnItsStream(HeldDelivery held, ConsumeRequest request) {
    synchronized (lock) {
      return session == held.session && held.session.offer(request);
    }
  }

  private void onSessionEnd(ConsumeSession s, Throwable failure) {
    int attempt;
    synchronized (lock) {
      if (session == s) {
        session = null;
      }
      lock.notifyAll();
      attempt = ++reconnectAttempt;
    }
    SluiceException cause =
        failure == null
            ? new SluiceException(
                io.sluice.client.Reason.UNSPECIFIED,
                Status.Code.UNAVAILABLE,
                "consume stream ended by the gateway",
                null)
            : ErrorMapper.fromThrowable(failure);
    renewer.sessionEnded(s, cause);
    if (closing) {
      return;
    }
    if (cause.statusCode() == Status.Code.UNAVAILABLE) {
      context.pool().failover(s.endpoint);
    }
    long delayMs = context.backoff().delayMs(attempt);
    log.warning(
        "consume stream of group {} on topic {} ended ({}); reconnecting in {} ms",
        settings.group(),
        settings.topic(),
        cause.getMessage(),
        delayMs);
    synchronized (lock) {
      if (!closing) {
        reconnect = context.schedule(delayMs, this::connect);
      }
    }
  }
}
