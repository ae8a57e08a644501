package io.sluice.client.internal;

import io.grpc.Status;
import io.sluice.client.Reason;
import io.sluice.client.SluiceException;
import io.sluice.protocol.v1.TransactionCheck;
import io.sluice.protocol.v1.TransactionChecksRequest;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Keeps a transactional producer's {@code TransactionChecks} stream open from {@link #open()} to
 * {@link #close()}: the broker only asks producers whose stream is open, so a stream that ends
 * (failed, or completed by a gateway shutting down) is reopened after a {@link Backoff} delay,
 * moving to the next endpoint after {@code UNAVAILABLE}. The first request names the group; the
 * request side then stays open and silent, since answers go by the unary {@code EndTransaction}.
 * Thread-safe.
 */
final class TransactionCheckChannel {
  /** One opened stream. */
  private record Session(
      EndpointPool.Endpoint endpoint,
      BoundedSourceQueue<TransactionChecksRequest> requests,
      UniqueKillSwitch killSwitch,
      long openedAtNanos) {}

  private final ClientContext context;
  private final TransactionChecksRequest hello;
  private final Consumer<TransactionCheck> onCheck;
  private final LoggingAdapter log;

  private final Object lock = new Object();
  private Session session; // guarded by lock
  private ScheduledFuture<?> reopen; // guarded by lock
  private int failures; // consecutive short-lived streams; guarded by lock
  private boolean closed; // guarded by lock

  /**
   * Creates the channel; nothing is opened before {@link #open()}.
   *
   * @param context the client
   * @param hello the first request: producer group and client id
   * @param onCheck called on a stream thread for each check; must not block
   */
  TransactionCheckChannel(
      ClientContext context, TransactionChecksRequest hello, Consumer<TransactionCheck> onCheck) {
    this.context = context;
    this.hello = hello;
    this.onCheck = onCheck;
    this.log = context.log(TransactionCheckChannel.class);
  }

  /** Opens the stream (and keeps reopening it until {@link #close()}). */
  void open() {
    EndpointPool.Endpoint endpoint;
    synchronized (lock) {
      reopen = null;
      if (closed) {
        return;
      }
      try {
        endpoint = context.pool().current();
      } catch (RuntimeException clientClosed) {
        return;
      }
    }
    Materializer mat = context.materializer();
    Pair<BoundedSourceQueue<TransactionChecksRequest>, Source<TransactionChecksRequest, NotUsed>>
        requests = Source.<TransactionChecksRequest>queue(1).preMaterialize(mat);
    requests.first().offer(hello);
    Pair<UniqueKillSwitch, CompletionStage<Done>> running =
        endpoint
            .messaging()
            .transactionChecks(requests.second())
            .viaMat(KillSwitches.single(), Keep.right())
            .toMat(Sink.foreach(this::onCheck), Keep.both())
            .run(mat);
    Session s = new Session(endpoint, requests.first(), running.first(), System.nanoTime());
    boolean closedMeanwhile;
    synchronized (lock) {
      closedMeanwhile = closed;
      if (!closedMeanwhile) {
        session = s;
      }
    }
    if (closedMeanwhile) {
      s.killSwitch().shutdown();
      return;
    }
    log.debug(
        "transaction check stream of group {} opened on {}",
        hello.getProducerGroup(),
        endpoint.address());
    running.second().whenComplete((ok, failure) -> onEnd(s, failure));
  }

  /** Ends the stream for good: the broker stops sending checks to this producer. */
  void close() {
    Session s;
    synchronized (lock) {
      closed = true;
      if (reopen != null) {
        reopen.cancel(false);
      }
      s = session;
      session = null;
    }
    if (s != null) {
      try {
        s.requests().complete();
      } catch (IllegalStateException endedAlready) {
        // the stream failed and onEnd is on its way; nothing to half-close
      }
      s.killSwitch().shutdown();
    }
  }

  private void onCheck(TransactionCheck check) {
    synchronized (lock) {
      failures = 0;
    }
    onCheck.accept(check);
  }

  private void onEnd(Session s, Throwable failure) {
    SluiceException cause =
        failure == null
            ? new SluiceException(
                Reason.UNSPECIFIED,
                Status.Code.UNAVAILABLE,
                "transaction check stream ended by the gateway",
                null)
            : ErrorMapper.fromThrowable(failure);
    long delayMs;
    synchronized (lock) {
      if (closed || session != s) {
        return;
      }
      session = null;
      // a stream that lived past the request timeout was healthy: start the backoff afresh
      long livedMs = (System.nanoTime() - s.openedAtNanos()) / 1_000_000;
      failures = livedMs >= context.requestTimeout().toMillis() ? 1 : failures + 1;
      delayMs = context.backoff().delayMs(failures);
      if (cause.statusCode() == Status.Code.UNAVAILABLE) {
        context.pool().failover(s.endpoint());
      }
      reopen = context.schedule(delayMs, this::open);
    }
    log.warning(
        "transaction check stream of group {} on {} ended ({}); reopening in {} ms",
        hello.getProducerGroup(),
        s.endpoint().address(),
        cause.getMessage(),
        delayMs);
  }
}
