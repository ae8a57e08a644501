package io.sluice.client;

import java.util.List;

/**
 * One transaction of a {@link TransactionalProducer}: half messages sent within it are stored by
 * the broker but invisible to consumers until {@link #commit()}; {@link #rollback()} discards
 * them. Either outcome is final. Typical use: send the half messages, run the local transaction
 * (which records {@link #id()} so that a {@link TransactionChecker} can find it later), then commit
 * if it committed and roll back otherwise. If neither arrives (the process died), the broker asks
 * the group's checker.
 *
 * <p>A transaction may hold several messages, on several topics and queues (all {@link
 * MessageType#TRANSACTION} topics). Thread-safe: sends and the outcome of one transaction run one
 * at a time.
 */
public interface Transaction {
  /**
   * The transaction id, unique within the producer group (32 hex characters, time-ordered); the
   * half messages carry it and check-backs name it.
   *
   * @return the id
   */
  String id();

  /**
   * Sends a half message within this transaction and waits until it is stored (invisible). Retried
   * like {@link Producer#send(Message)}, keeping the message id.
   *
   * @param message a message to a {@link MessageType#TRANSACTION} topic
   * @return where it is stored; its offset is -1 (it gets one when committed)
   * @throws MessageTypeMismatchException if the topic is not a TRANSACTION topic
   * @throws SluiceException (a subclass where one fits) for the other failures of {@link
   *     Producer#send(Message)}; the transaction stays open
   * @throws IllegalStateException if the transaction was committed or rolled back, or its producer
   *     is closed
   */
  SendReceipt send(Message message);

  /**
   * Sends half messages together (in one request when they fit) and waits for all of them.
   *
   * @param messages messages to TRANSACTION topics, not empty
   * @return one receipt per message, in order
   * @throws SluiceException as {@link Producer#send(List)}: the first failure; the messages that
   *     were stored still belong to the transaction and follow its outcome
   * @throws IllegalStateException if the transaction was committed or rolled back, or its producer
   *     is closed
   */
  List<SendReceipt> send(List<Message> messages);

  /**
   * Makes the half messages visible to consumers, each exactly once, on every queue they were
   * stored in. Retried on {@code UNAVAILABLE} and {@link Reason#BROKER_BUSY} (committing again is
   * harmless). Calling it again after it succeeded does nothing; a transaction without messages
   * commits locally only.
   *
   * @throws TransactionResolvedException if the transaction was rolled back (by {@link
   *     #rollback()}, or by the broker after its check-backs ran out)
   * @throws TransactionNotFoundException if the broker does not know the transaction
   * @throws SluiceException if no broker answered within the attempts; the outcome is unknown, so
   *     call it again or leave it to the check-back
   */
  void commit();

  /**
   * Discards the half messages; no consumer ever receives them. Retried like {@link #commit()};
   * calling it again after it succeeded does nothing.
   *
   * @throws TransactionResolvedException if the transaction was committed (by {@link #commit()}, or
   *     by a checker's answer)
   * @throws TransactionNotFoundException if the broker does not know the transaction
   * @throws SluiceException if no broker answered within the attempts
   */
  void rollback();
}
