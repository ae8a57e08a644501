package io.sluice.actors.transaction;

import io.sluice.protocol.v1.Message;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state of one {@link QueueTransactions}: the open transactions of its queue with their half
 * messages, the committed ones not yet appended to the queue, the final outcome of every resolved
 * transaction, and how far the queue holds the confirmed appends.
 *
 * <p>Mutable on purpose, like the delay timer's schedule: one event per half message, and copying
 * the open transactions per event would cost O(n) each. Only the actor's event handler changes it.
 */
public final class TransactionBook {

  /** A final outcome. */
  public enum Outcome { COMMIT, ROLLBACK }

  /** An open transaction: its half messages on this queue (in arrival order) and checks sent. */
  public static final class Open {
    private final String transactionId;
    private final String producerGroup;
    private final long preparedAtMs;
    private final List<Message> messages = new ArrayList<>();
    private int checks;

    private Open(String transactionId, String producerGroup, long preparedAtMs) {
      this.transactionId = transactionId;
      this.producerGroup = producerGroup;
      this.preparedAtMs = preparedAtMs;
    }

    public String transactionId() {
      return transactionId;
    }

    public String producerGroup() {
      return producerGroup;
    }

    public long preparedAtMs() {
      return preparedAtMs;
    }

    public List<Message> messages() {
      return List.copyOf(messages);
    }

    public int checks() {
      return checks;
    }

    /** This transaction as listed to operators; {@code outcome} null while it is open. */
    public TransactionSummary summary(Outcome outcome, long resolvedAtMs) {
      return new TransactionSummary(transactionId, producerGroup,
          messages.stream().map(Message::getMessageId).toList(), preparedAtMs, checks, outcome, resolvedAtMs);
    }
  }

  private final Map<String, Open> open = new LinkedHashMap<>();
  private final Map<String, List<Message>> toDeliver = new LinkedHashMap<>();
  private final Map<String, Outcome> outcomes = new HashMap<>();
  private final List<TransactionSummary> resolvedByChecks = new ArrayList<>();
  private long confirmedQueueOffset;

  /** The open transaction {@code transactionId}, or null. */
  public Open open(String transactionId) {
    return open.get(transactionId);
  }

  /** Open transactions, oldest first. */
  public Collection<Open> openTransactions() {
    return open.values();
  }

  /** The final outcome of {@code transactionId}, or null while it is open or unknown. */
  public Outcome outcome(String transactionId) {
    return outcomes.get(transactionId);
  }

  /** True if {@code message} (by id) is a half message of its open transaction already. */
  public boolean holds(String transactionId, String messageId) {
    Open tx = open.get(transactionId);
    return tx != null && tx.messages.stream().anyMatch(m -> m.getMessageId().equals(messageId));
  }

  /** Committed transactions waiting to be appended to the queue, oldest commit first. */
  public Map<String, List<Message>> toDeliver() {
    return toDeliver;
  }

  /**
   * The oldest committed transactions to append next, each whole: as many as fit in {@code
   * maxMessages} messages and {@code maxBytes} encoded bytes (the first comes whatever its size).
   */
  public List<String> nextDelivery(int maxMessages, long maxBytes) {
    List<String> ids = new ArrayList<>();
    int messages = 0;
    long bytes = 0;
    for (Map.Entry<String, List<Message>> tx : toDeliver.entrySet()) {
      long txBytes = 0;
      for (Message m : tx.getValue()) {
        txBytes += m.getSerializedSize();
      }
      if (!ids.isEmpty() && (messages + tx.getValue().size() > maxMessages || bytes + txBytes > maxBytes)) {
        break;
      }
      ids.add(tx.getKey());
      messages += tx.getValue().size();
      bytes += txBytes;
    }
    return ids;
  }

  /** Transactions the broker resolved itself after the maximum number of checks, oldest first. */
  public List<TransactionSummary> resolvedByChecks() {
    return resolvedByChecks;
  }

  /** The queue holds every confirmed append of this log before this offset. */
  public long confirmedQueueOffset() {
    return confirmedQueueOffset;
  }

  void prepare(Message message) {
    String id = message.getTransaction().getTransactionId();
    open.computeIfAbsent(id,
        tx -> new Open(tx, message.getTransaction().getProducerGroup(), message.getStoreTimestampMs()))
        .messages.add(message);
  }

  void checked(List<String> transactionIds) {
    for (String id : transactionIds) {
      Open tx = open.get(id);
      if (tx != null) {
        tx.checks++;
      }
    }
  }

  void resolve(String transactionId, Outcome outcome, boolean byMaxChecks, long atMs) {
    Open tx = open.remove(transactionId);
    outcomes.put(transactionId, outcome);
    if (tx == null) {
      return;
    }
    if (outcome == Outcome.COMMIT) {
      toDeliver.put(transactionId, tx.messages);
    }
    if (byMaxChecks) {
      resolvedByChecks.add(tx.summary(outcome, atMs));
    }
  }

  void delivered(List<String> transactionIds, long queueOffset) {
    transactionIds.forEach(toDeliver::remove);
    confirmedQueueOffset = Math.max(confirmedQueueOffset, queueOffset);
  }
}
