package io.sluice.client;

/**
 * Sends transactional messages for one producer group: messages that reach consumers if and only
 * if the local transaction they belong to committed. Create with {@link
 * SluiceClient#newTransactionalProducer(String, TransactionChecker)}; thread-safe, any number of
 * transactions may be open at once.
 *
 * <pre>{@code
 * try (TransactionalProducer producer = client.newTransactionalProducer("order-service", checker)) {
 *   Transaction tx = producer.beginTransaction();
 *   tx.send(Message.builder().topic("order-events").body(bytes).build());
 *   boolean saved = saveOrderAndTransactionId(order, tx.id());     // the local transaction
 *   if (saved) tx.commit(); else tx.rollback();
 * }
 * }</pre>
 *
 * <p>While open, the producer keeps a {@code TransactionChecks} stream to the broker open (reopened
 * with backoff after a failure), through which the broker asks about transactions of the group that
 * had no outcome within its check time, whichever producer of the group began them. The producer
 * runs its {@link TransactionChecker} for each check on its own checker threads and sends the
 * answer back.
 */
public interface TransactionalProducer extends AutoCloseable {
  /**
   * The producer group whose transactions this producer sends and checks.
   *
   * @return the group
   */
  String producerGroup();

  /**
   * Begins a transaction under a new id. Nothing is sent to the broker until its first message.
   *
   * @return the open transaction
   * @throws IllegalStateException if the producer is closed
   */
  Transaction beginTransaction();

  /**
   * Closes the check stream (the broker then asks another producer of the group, or waits for
   * one), lets running checkers finish (up to the request timeout) and closes the producer's send
   * stream as {@link Producer#close()} does. Open transactions stay open at the broker. Idempotent.
   */
  @Override
  void close();
}
