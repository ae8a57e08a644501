package io.sluice.client.internal;

import io.grpc.Status;
import io.sluice.client.Message;
import io.sluice.client.Reason;
import io.sluice.client.SendReceipt;
import io.sluice.client.Transaction;
import io.sluice.client.TransactionResolution;
import io.sluice.client.TransactionResolvedException;
import io.sluice.protocol.v1.EndTransactionRequest;
import io.sluice.protocol.v1.QueueRef;
import io.sluice.protocol.v1.TransactionRef;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link Transaction}: remembers the distinct queues its half messages were stored in (from the
 * receipts, including those of a send that failed in part) and names them in {@code
 * EndTransaction}. The outcome is recorded locally only once the broker accepted it, so a commit
 * that found no broker can be repeated; a broker's TRANSACTION_RESOLVED records the other outcome.
 * Thread-safe: every method holds the instance's lock, so a commit never misses a queue of a send
 * still in flight.
 */
final class TransactionImpl implements Transaction {
  private final ClientContext context;
  private final ProducerImpl producer;
  private final TransactionRef ref;
  private final Set<QueueRef> queues = new LinkedHashSet<>(); // guarded by this
  private TransactionResolution outcome; // null while open; guarded by this

  TransactionImpl(ClientContext context, ProducerImpl producer, TransactionRef ref) {
    this.context = context;
    this.producer = producer;
    this.ref = ref;
  }

  @Override
  public String id() {
    return ref.getTransactionId();
  }

  @Override
  public SendReceipt send(Message message) {
    return send(List.of(Objects.requireNonNull(message, "message"))).get(0);
  }

  @Override
  public synchronized List<SendReceipt> send(List<Message> messages) {
    if (outcome != null) {
      throw new IllegalStateException(
          "transaction " + id() + " is resolved (" + outcome + "); nothing can be sent in it");
    }
    List<io.sluice.protocol.v1.Message> half = new ArrayList<>(messages.size());
    for (Message m : messages) {
      half.add(TransactionProtos.halfMessage(m, ref));
    }
    return producer.sendWire(half, receipt -> queues.add(TransactionProtos.queueOf(receipt)));
  }

  @Override
  public synchronized void commit() {
    end(TransactionResolution.COMMIT, TransactionResolution.ROLLBACK);
  }

  @Override
  public synchronized void rollback() {
    end(TransactionResolution.ROLLBACK, TransactionResolution.COMMIT);
  }

  /** Guarded by this. */
  private void end(TransactionResolution wanted, TransactionResolution other) {
    if (outcome == wanted) {
      return;
    }
    if (outcome == other) {
      throw new TransactionResolvedException(
          Reason.TRANSACTION_RESOLVED,
          Status.Code.FAILED_PRECONDITION,
          "transaction " + id() + " was resolved with " + other + " already; cannot " + wanted,
          null);
    }
    if (!queues.isEmpty()) {
      context.ensureOpen();
      EndTransactionRequest request = TransactionProtos.endRequest(ref, wanted, queues, false);
      try {
        Blocking.await(context.retrier().call(ep -> ep.messaging().endTransaction(request)));
      } catch (TransactionResolvedException e) {
        outcome = other;
        throw e;
      }
    }
    outcome = wanted;
  }

  @Override
  public String toString() {
    return "Transaction[" + id() + ", " + ref.getProducerGroup() + "]";
  }
}
