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
import io.sluice.protocol.v1.ConsumptionMode;
import io.sluice.protocol.v1.Credit;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.Nack;
import io.sluice.protocol.v1.ReceiptResult;
import io.sluice.protocol.v1.Subscribe;
import java.util.ArrayList;
import java.util.List;
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
 * The {@link PushConsumer}. Deliveries arrive in batches on the stream's thread and go to a fixed
 * pool of listener threads; the outcome is sent back on the stream followed by any credit that
 * became free, both under one lock so the broker always sees the ack before the credit that
 * replaces it. Acks travel in batches: those that finish while a flush is pending go in one {@code
 * Acknowledge} (natural batching: one command per message when idle, many per command under load);
 * a nack goes at once. A message held longer than half its invisible duration is renewed; the ack
 * waits for a renewal in flight so it carries the newest receipt handle. When the stream ends, the
 * consumer reconnects with backoff; acks of messages from the dead stream are sent with the unary
 * {@code Ack} (a nack is dropped: the invisibility expiry redelivers the message). In orderly mode
 * the listener calls of one message group run one at a time, in delivery order ({@link
 * KeyedSerialExecutor}); the broker's FIFO order does the rest. Thread-safe.
 */
public final class PushConsumerImpl implements PushConsumer {
  private final ClientContext context;
  private final PushConsumerSettings settings;
  private final MessageListener listener;
  private final Runnable onClosed;
  private final LoggingAdapter log;
  private final ThreadPoolExecutor workers;
  /** Orderly mode: listener calls serialized per message group; null otherwise. */
  private final KeyedSerialExecutor byGroup;
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
  private final List<HeldDelivery> acksToSend = new ArrayList<>(); // guarded by lock
  private boolean ackFlushScheduled; // guarded by lock

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
    this.byGroup = settings.orderly() ? new KeyedSerialExecutor(workers) : null;
    this.subscribe =
        ConsumeRequest.newBuilder()
            .setSubscribe(
                Subscribe.newBuilder()
                    .setGroup(settings.group())
                    .setTopic(settings.topic())
                    .setFilter(Protos.toProto(settings.filter()))
                    .setInvisibleDurationMs(invisibleMs)
                    .setClientId(settings.clientId())
                    .setMode(mode())
                    .setStartPosition(Protos.toProto(settings.startPosition())))
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
      case DELIVERIES:
        onDeliveries(s, response.getDeliveries().getDeliveriesList());
        break;
      case RECEIPT_RESULTS:
        response.getReceiptResults().getResultsList().forEach(this::onReceiptResult);
        break;
      default:
        break;
    }
  }

  private void onDeliveries(ConsumeSession s, List<Delivery> deliveries) {
    int beyondCredit = 0;
    synchronized (lock) {
      reconnectAttempt = 0;
      for (int i = 0; i < deliveries.size(); i++) {
        if (!credit.onDelivery()) {
          beyondCredit++;
        }
      }
    }
    if (beyondCredit > 0) {
      log.warning(
          "gateway {} sent {} deliveries beyond the granted credit (group {})",
          s.endpoint.address(),
          beyondCredit,
          settings.group());
    }
    for (Delivery delivery : deliveries) {
      HeldDelivery held = new HeldDelivery(new MessageViewImpl(delivery), s);
      renewer.schedule(held);
      try {
        if (byGroup != null && !held.view.messageGroup().isEmpty()) {
          byGroup.execute(held.view.messageGroup(), () -> process(held));
        } else {
          workers.execute(() -> process(held));
        }
      } catch (RejectedExecutionException shuttingDown) {
        afterListener(held, ConsumeResult.RETRY);
      }
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
    if (result == ConsumeResult.SUCCESS) {
      queueAck(held);
      return;
    }
    synchronized (lock) {
      ConsumeRequest nack =
          ConsumeRequest.newBuilder()
              .setNack(Nack.newBuilder().setReceiptHandle(held.view.receiptHandle()))
              .build();
      if (session == held.session) {
        // not sent when the stream is ending: the invisibility expiry redelivers the message
        held.session.offer(nack);
      }
      releaseLocked(1);
    }
  }

  private void queueAck(HeldDelivery held) {
    synchronized (lock) {
      acksToSend.add(held);
      if (ackFlushScheduled) {
        return;
      }
      ackFlushScheduled = true;
    }
    try {
      context.system().dispatcher().execute(this::flushAcks);
    } catch (RejectedExecutionException clientClosing) {
      flushAcks();
    }
  }

  /** Sends the acks gathered since the last flush as one command, then the credit they free. */
  private void flushAcks() {
    List<HeldDelivery> viaUnary = new ArrayList<>();
    synchronized (lock) {
      ackFlushScheduled = false;
      Acknowledge.Builder onStream = Acknowledge.newBuilder();
      List<HeldDelivery> sent = new ArrayList<>(acksToSend.size());
      for (HeldDelivery held : acksToSend) {
        if (session == held.session) {
          onStream.addReceiptHandles(held.view.receiptHandle());
          sent.add(held);
        } else {
          viaUnary.add(held);
        }
      }
      acksToSend.clear();
      if (!sent.isEmpty()
          && !session.offer(ConsumeRequest.newBuilder().setAck(onStream).build())) {
        viaUnary.addAll(sent);
        sent.clear();
      }
      if (!sent.isEmpty()) {
        releaseLocked(sent.size());
      }
    }
    if (!viaUnary.isEmpty()) {
      // acks of a dead stream's deliveries go by unary call, and their slots stay taken until
      // that call is answered, so the broker never sees more outstanding than the window
      ackUnary(viaUnary);
    }
  }

  private void releaseLocked(int settled) {
    for (int i = 0; i < settled; i++) {
      credit.onSettled();
    }
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

  private void ackUnary(List<HeldDelivery> held) {
    AckRequest.Builder request =
        AckRequest.newBuilder()
            .setGroup(settings.group())
            .setTopic(settings.topic())
            .setMode(mode())
            .setClientId(settings.clientId());
    held.forEach(h -> request.addReceiptHandles(h.view.receiptHandle()));
    AckRequest req = request.build();
    CompletableFuture<AckResponse> ack;
    try {
      ack = context.retrier().call(ep -> ep.messaging().ack(req));
    } catch (RuntimeException e) {
      ack = CompletableFuture.failedFuture(e);
    }
    ack.whenComplete(
        (resp, failure) -> {
          synchronized (lock) {
            releaseLocked(held.size());
          }
          if (failure != null) {
            log.warning(
                "ack of {} message(s) failed; they will be delivered again: {}",
                held.size(),
                ErrorMapper.fromThrowable(failure).getMessage());
            return;
          }
          for (int i = 0; i < resp.getResultsCount() && i < held.size(); i++) {
            if (resp.getResults(i).getStatus().getCode() != 0) {
              log.warning(
                  "ack of {} rejected; it will be delivered again: {}",
                  held.get(i).view,
                  resp.getResults(i).getStatus().getMessage());
            }
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

  private ConsumptionMode mode() {
    return settings.broadcasting() ? ConsumptionMode.BROADCASTING : ConsumptionMode.CLUSTERING;
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
