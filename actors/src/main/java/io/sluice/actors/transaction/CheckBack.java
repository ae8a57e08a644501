package io.sluice.actors.transaction;

import io.sluice.actors.CborSerializable;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * A check-back: the broker asks a live producer of the transaction's group for its outcome. The
 * gateway registers one actor per open {@code TransactionChecks} stream with the receptionist
 * under {@link #keyFor(String) its group's key}; the producer answers through {@code
 * EndTransaction}, which reaches the transaction's {@link QueueTransactions} as an {@link
 * QueueTransactions.End}.
 *
 * @param message the transaction's first half message on the queue, as protobuf bytes
 * @param checkCount 1 for the first check of the transaction on this queue
 */
public record CheckBack(String transactionId, String producerGroup, String topic, int queueId, byte[] message,
    int checkCount, long preparedAtMs) implements CborSerializable {

  /** The receptionist key under which the live producers of {@code producerGroup} are registered. */
  public static ServiceKey<CheckBack> keyFor(String producerGroup) {
    return ServiceKey.create(CheckBack.class, "sluice-transaction-producers|" + producerGroup);
  }
}
