package io.sluice.client.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SystemMaterializer;

/**
 * What every part of one {@code SluiceClient} shares: the actor system, the endpoints, the retry
 * policy and a timer thread. The timer runs lingers, receipt timeouts, renewals and retry delays;
 * its tasks only hand work to queues and never block, and it is a dedicated thread because Pekko's
 * scheduler ticks every 10 ms, ten times the default linger. Thread-safe.
 */
public final class ClientContext {
  private static final String OWNED_SYSTEM_CONFIG = "sluice.client.owned-actor-system";

  private final ActorSystem system;
  private final boolean ownsSystem;
  private final Materializer materializer;
  private final EndpointPool pool;
  private final Backoff backoff;
  private final Retrier retrier;
  private final ScheduledThreadPoolExecutor timer;
  private final Duration requestTimeout;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ClientContext(
      ActorSystem system,
      boolean ownsSystem,
      List<String> endpoints,
      boolean tls,
      Duration requestTimeout,
      int maxAttempts,
      Backoff backoff) {
    this.system = system;
    this.ownsSystem = ownsSystem;
    this.materializer = SystemMaterializer.get(system).materializer();
    this.requestTimeout = requestTimeout;
    this.backoff = backoff;
    this.timer = new ScheduledThreadPoolExecutor(1, Threads.daemonFactory("sluice-client-timer"));
    this.timer.setRemoveOnCancelPolicy(true);
    this.pool = new EndpointPool(endpoints, tls, requestTimeout, system);
    this.retrier = new Retrier(pool, maxAttempts, backoff, timer);
  }

  /**
   * Creates the shared state of a client.
   *
   * @param endpoints {@code host:port} list
   * @param tls whether to use TLS
   * @param requestTimeout unary deadline and receipt timeout
   * @param maxAttempts attempts per unary call or synchronously sent message
   * @param initialBackoff first retry delay
   * @param maxBackoff largest retry delay
   * @param provided the application's actor system, or null to create one
   * @return the context
   */
  public static ClientContext create(
      List<String> endpoints,
      boolean tls,
      Duration requestTimeout,
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      ClassicActorSystemProvider provided) {
    boolean owns = provided == null;
    ActorSystem system = owns ? createSystem() : provided.classicSystem();
    try {
      return new ClientContext(
          system,
          owns,
          endpoints,
          tls,
          requestTimeout,
          maxAttempts,
          new Backoff(initialBackoff, maxBackoff));
    } catch (RuntimeException e) {
      if (owns) {
        system.terminate();
      }
      throw e;
    }
  }

  private static ActorSystem createSystem() {
    // Pekko's reference config plus our own block: the application's cluster or remoting settings
    // must not leak into the client's private system.
    Config own = ConfigFactory.load().getConfig(OWNED_SYSTEM_CONFIG);
    return ActorSystem.create("sluice-client", own.withFallback(ConfigFactory.defaultReference()));
  }

  /**
   * The classic actor system streams and gRPC clients run on.
   *
   * @return the system
   */
  public ActorSystem system() {
    return system;
  }

  /**
   * The system materializer.
   *
   * @return the materializer
   */
  public Materializer materializer() {
    return materializer;
  }

  /**
   * The endpoints.
   *
   * @return the pool
   */
  public EndpointPool pool() {
    return pool;
  }

  /**
   * The retry policy for unary calls and synchronous sends.
   *
   * @return the retrier
   */
  public Retrier retrier() {
    return retrier;
  }

  /**
   * The backoff used between retries and reconnects.
   *
   * @return the backoff
   */
  public Backoff backoff() {
    return backoff;
  }

  /**
   * The client's timer thread.
   *
   * @return the timer
   */
  public ScheduledExecutorService timer() {
    return timer;
  }

  /**
   * The request timeout.
   *
   * @return the timeout
   */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /**
   * A logger for a class, through Pekko's logging (SLF4J when the application configures {@code
   * pekko-slf4j}); the client adds no logging dependency of its own.
   *
   * @param source the logging class
   * @return the logger
   */
  public LoggingAdapter log(Class<?> source) {
    return Logging.getLogger(system, source);
  }

  /** Fails if the client is closed. */
  public void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the SluiceClient is closed");
    }
  }

  /**
   * Marks the client closed.
   *
   * @return false if it was closed already
   */
  public boolean markClosed() {
    return closed.compareAndSet(false, true);
  }

  /**
   * Closes the channels, stops the timer, and terminates the actor system if the client owns it.
   */
  public void shutdown() {
    pool.close(requestTimeout);
    timer.shutdownNow();
    if (ownsSystem) {
      system.terminate();
      Blocking.awaitQuietly(system.getWhenTerminated(), requestTimeout);
    }
  }

  /**
   * Whether the context created its actor system.
   *
   * @return true if the system is terminated by {@link #shutdown()}
   */
  public boolean ownsSystem() {
    return ownsSystem;
  }

  /**
   * Schedules a task on the timer, unless the client is shutting down.
   *
   * @param delayMs the delay
   * @param task the task
   * @return a handle to cancel it, or null if not scheduled
   */
  public java.util.concurrent.ScheduledFuture<?> schedule(long delayMs, Runnable task) {
    try {
      return timer.schedule(task, delayMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return null;
    }
  }
}
