package io.sluice.client.internal;

import io.sluice.client.Transaction;
import io.sluice.client.TransactionChecker;
import io.sluice.client.TransactionalProducer;
import io.sluice.client.TransactionalProducerSettings;
import io.sluice.protocol.v1.TransactionChecksRequest;
import io.sluice.protocol.v1.TransactionRef;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link TransactionalProducer}: a {@link ProducerImpl} of its own carries the half messages
 * (so they share its batching and retries), a {@link TransactionCheckChannel} keeps the group's
 * check stream open, and a {@link CheckResponder} answers the checks. Thread-safe.
 */
public final class TransactionalProducerImpl implements TransactionalProducer {
  private final ClientContext context;
  private final TransactionalProducerSettings settings;
  private final ProducerImpl producer;
  private final CheckResponder responder;
  private final TransactionCheckChannel checks;
  private final Runnable onClosed;
  private final AtomicBoolean closed = new AtomicBoolean();

  private TransactionalProducerImpl(
      ClientContext context,
      TransactionalProducerSettings settings,
      TransactionChecker checker,
      Runnable onClosed) {
    this.context = context;
    this.settings = Objects.requireNonNull(settings, "settings");
    this.onClosed = onClosed;
    this.producer = new ProducerImpl(context, settings.producerSettings(), () -> {});
    this.responder =
        new CheckResponder(
            context,
            Objects.requireNonNull(checker, "checker"),
            settings.checkerThreads(),
            settings.producerGroup());
    this.checks =
        new TransactionCheckChannel(
            context,
            TransactionChecksRequest.newBuilder()
                .setProducerGroup(settings.producerGroup())
                .setClientId(settings.clientId())
                .build(),
            responder::onCheck);
  }

  /**
   * Creates a producer and opens its check stream.
   *
   * @param context the client
   * @param settings group, client id, checker threads, send tuning
   * @param checker answers check-backs
   * @param onClosed called once when closed
   * @return the running producer
   */
  public static TransactionalProducerImpl start(
      ClientContext context,
      TransactionalProducerSettings settings,
      TransactionChecker checker,
      Runnable onClosed) {
    TransactionalProducerImpl p =
        new TransactionalProducerImpl(context, settings, checker, onClosed);
    p.checks.open();
    return p;
  }

  @Override
  public String producerGroup() {
    return settings.producerGroup();
  }

  @Override
  public Transaction beginTransaction() {
    if (closed.get()) {
      throw new IllegalStateException("the transactional producer is closed");
    }
    TransactionRef ref =
        TransactionRef.newBuilder()
            .setTransactionId(MessageIds.next())
            .setProducerGroup(settings.producerGroup())
            .build();
    return new TransactionImpl(context, producer, ref);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    checks.close();
    responder.close(context.requestTimeout());
    producer.close();
    onClosed.run();
  }

  @Override
  public String toString() {
    return "TransactionalProducer[" + settings.producerGroup() + ", " + settings.clientId() + "]";
  }
}
