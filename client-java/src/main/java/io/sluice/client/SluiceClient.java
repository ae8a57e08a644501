package io.sluice.client;

import io.sluice.client.internal.AdminImpl;
import io.sluice.client.internal.ClientContext;
import io.sluice.client.internal.ProducerImpl;
import io.sluice.client.internal.PushConsumerImpl;
import io.sluice.client.internal.SimpleConsumerImpl;
import io.sluice.client.internal.TransactionalProducerImpl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.ClassicActorSystemProvider;

/**
 * Entry point of the Sluice Java client: holds the connections to the brokers and creates
 * producers, consumers and the admin API.
 *
 * <pre>{@code
 * try (SluiceClient client = SluiceClient.builder().endpoints("localhost:8081").build();
 *     Producer producer = client.newProducer()) {
 *   SendReceipt r = producer.send(Message.builder().topic("orders").body(bytes).build());
 * }
 * }</pre>
 *
 * <p>Connections: the client uses one endpoint at a time (the first of the list) and moves to the
 * next when a call fails with {@code UNAVAILABLE}. Unary calls have the request timeout as their
 * deadline and are retried on {@code UNAVAILABLE} and {@link Reason#BROKER_BUSY} with exponential
 * backoff (with jitter), up to {@link Builder#maxAttempts} attempts in all; so are the messages of
 * {@code Producer.send}, which go over the producer's stream.
 *
 * <p>Runtime: the client runs on a Pekko {@code ActorSystem}. Pass the application's own with
 * {@link Builder#actorSystem}; otherwise the client creates one named {@code sluice-client}
 * (configured by {@code sluice.client.owned-actor-system} in the client's {@code reference.conf})
 * and terminates it on {@link #close()}.
 *
 * <p>Thread-safe. Close it once, after the producers and consumers it created (close does so for
 * those still open).
 */
public final class SluiceClient implements AutoCloseable {
  private final ClientContext context;
  private final Admin admin;
  private final Set<AutoCloseable> children = ConcurrentHashMap.newKeySet();

  private SluiceClient(Builder b) {
    this.context =
        ClientContext.create(
            b.endpoints,
            b.tls,
            b.requestTimeout,
            b.maxAttempts,
            b.initialBackoff,
            b.maxBackoff,
            b.actorSystem);
    this.admin = new AdminImpl(context);
  }

  /**
   * Starts configuring a client.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Creates a producer with default settings.
   *
   * @return a new producer; close it when done
   */
  public Producer newProducer() {
    return newProducer(ProducerSettings.DEFAULTS);
  }

  /**
   * Creates a producer.
   *
   * @param settings its batching and buffering settings
   * @return a new producer; close it when done
   */
  public Producer newProducer(ProducerSettings settings) {
    context.ensureOpen();
    ProducerImpl[] holder = new ProducerImpl[1];
    holder[0] = new ProducerImpl(context, settings, () -> children.remove(holder[0]));
    children.add(holder[0]);
    return holder[0];
  }

  /**
   * Creates a transactional producer with default settings and opens its check stream.
   *
   * @param producerGroup the producer group: the broker asks any live producer of the group about
   *     the group's transactions
   * @param checker answers the broker's check-backs
   * @return a new transactional producer; close it when done
   */
  public TransactionalProducer newTransactionalProducer(
      String producerGroup, TransactionChecker checker) {
    return newTransactionalProducer(
        TransactionalProducerSettings.builder(producerGroup).build(), checker);
  }

  /**
   * Creates a transactional producer and opens its check stream.
   *
   * @param settings group, client id, checker threads and send tuning
   * @param checker answers the broker's check-backs
   * @return a new transactional producer; close it when done
   */
  public TransactionalProducer newTransactionalProducer(
      TransactionalProducerSettings settings, TransactionChecker checker) {
    context.ensureOpen();
    TransactionalProducerImpl[] holder = new TransactionalProducerImpl[1];
    holder[0] =
        TransactionalProducerImpl.start(
            context, settings, checker, () -> children.remove(holder[0]));
    children.add(holder[0]);
    return holder[0];
  }

  /**
   * Creates a simple consumer with the default filter ({@code "*"}) and await (5 s).
   *
   * @param group the consumer group
   * @param topic the topic
   * @return a new simple consumer
   */
  public SimpleConsumer newSimpleConsumer(String group, String topic) {
    return newSimpleConsumer(SimpleConsumerSettings.builder(group, topic).build());
  }

  /**
   * Creates a simple consumer.
   *
   * @param settings group, topic, filter and await
   * @return a new simple consumer
   */
  public SimpleConsumer newSimpleConsumer(SimpleConsumerSettings settings) {
    context.ensureOpen();
    return new SimpleConsumerImpl(context, settings);
  }

  /**
   * Creates and starts a push consumer with default settings.
   *
   * @param group the consumer group
   * @param topic the topic
   * @param listener processes the messages
   * @return the running consumer; close it when done
   */
  public PushConsumer newPushConsumer(String group, String topic, MessageListener listener) {
    return newPushConsumer(PushConsumerSettings.builder(group, topic).build(), listener);
  }

  /**
   * Creates and starts a push consumer.
   *
   * @param settings group, topic, filter, threads, window and durations
   * @param listener processes the messages
   * @return the running consumer; close it when done
   */
  public PushConsumer newPushConsumer(PushConsumerSettings settings, MessageListener listener) {
    context.ensureOpen();
    Objects.requireNonNull(listener, "listener");
    PushConsumerImpl[] holder = new PushConsumerImpl[1];
    holder[0] =
        PushConsumerImpl.start(context, settings, listener, () -> children.remove(holder[0]));
    children.add(holder[0]);
    return holder[0];
  }

  /**
   * The admin API (one shared instance).
   *
   * @return the admin API
   */
  public Admin admin() {
    return admin;
  }

  /**
   * Closes the producers and push consumers still open (waiting for their receipts and running
   * listeners, each within its own bound), the connections, and the actor system if the client
   * created it. Idempotent.
   */
  @Override
  public void close() {
    if (!context.markClosed()) {
      return;
    }
    List<AutoCloseable> open = new ArrayList<>(children);
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception e) {
        context.log(SluiceClient.class).warning("closing {} failed: {}", c, e.toString());
      }
    }
    context.shutdown();
  }

  /** Configures a {@link SluiceClient}. Not thread-safe. */
  public static final class Builder {
    private List<String> endpoints = List.of();
    private Duration requestTimeout = Duration.ofSeconds(10);
    private int maxAttempts = 3;
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(5);
    private boolean tls;
    private ClassicActorSystemProvider actorSystem;

    private Builder() {}

    /**
     * Sets the broker gateways to use, in order of preference.
     *
     * @param hostPorts one or more {@code host:port}
     * @return this builder
     */
    public Builder endpoints(String... hostPorts) {
      return endpoints(Arrays.asList(hostPorts));
    }

    /**
     * Sets the broker gateways to use, in order of preference.
     *
     * @param hostPorts one or more {@code host:port}
     * @return this builder
     */
    public Builder endpoints(List<String> hostPorts) {
      this.endpoints = List.copyOf(hostPorts);
      return this;
    }

    /**
     * Sets the deadline of each unary call (receive: plus its await), the time the producer waits
     * for a batch's receipts, and the most one attempt of {@code Producer.send} waits; default 10
     * s.
     *
     * @param requestTimeout positive
     * @return this builder
     */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    /**
     * Sets how many times a unary call or a message of {@code Producer.send} is tried in all when
     * it fails with {@code UNAVAILABLE} or {@link Reason#BROKER_BUSY}; default 3. 1 disables
     * retries.
     *
     * @param maxAttempts at least 1
     * @return this builder
     */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the backoff between attempts (and between push-consumer reconnects): doubling from
     * {@code initial} up to {@code max}, each delay drawn uniformly from its upper half; defaults
     * 100 ms and 5 s.
     *
     * @param initial the first delay
     * @param max the largest delay
     * @return this builder
     */
    public Builder retryBackoff(Duration initial, Duration max) {
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * Uses TLS (with the JVM's default trust store) instead of plaintext; default off.
     *
     * @param tls whether to use TLS
     * @return this builder
     */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /**
     * Runs the client on the application's actor system (typed or classic) instead of creating one;
     * the client then does not terminate it.
     *
     * @param actorSystem the system
     * @return this builder
     */
    public Builder actorSystem(ClassicActorSystemProvider actorSystem) {
      this.actorSystem = actorSystem;
      return this;
    }

    /**
     * Creates the client. Connections are opened lazily, on the first call.
     *
     * @return the client
     * @throws IllegalArgumentException if no endpoint is given, one is not {@code host:port}, or a
     *     duration or count is out of range
     */
    public SluiceClient build() {
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("at least one endpoint (host:port) is required");
      }
      if (requestTimeout.isNegative() || requestTimeout.isZero() || maxAttempts < 1) {
        throw new IllegalArgumentException("requestTimeout must be positive and maxAttempts >= 1");
      }
      if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException("backoff must satisfy 0 <= initial <= max");
      }
      return new SluiceClient(this);
    }
  }
}
