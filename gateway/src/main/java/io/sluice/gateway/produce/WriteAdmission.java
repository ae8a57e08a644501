package io.sluice.gateway.produce;

import io.sluice.gateway.BrokerException;
import java.util.Optional;

/**
 * Why messages for a broker group's queues are refused right now (a full disk, too few replicas in
 * sync), checked before anything is handed to an entity: a persist the journal refuses restarts the
 * entity without an answer, so the producer would wait for the ask timeout.
 */
@FunctionalInterface
public interface WriteAdmission {
  /** The refusal for messages to {@code brokerGroup}'s queues ("" for unplaced queues), if any. */
  Optional<BrokerException> refusal(String brokerGroup);
}
