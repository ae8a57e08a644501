package io.sluice.gateway.consume;

import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.GroupState;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.Reason;
import java.util.function.ToLongFunction;

/**
 * Receipt handles and broker-group epochs (shared/CLUSTER.md 4.9): a delivery's handle carries the
 * epoch of its queue's broker group as this node sees it when the delivery reaches it (the replica
 * controller's epoch for a replicated group, 0 for any other), and a handle issued under an earlier
 * epoch than the group's current one is refused INVALID_RECEIPT before the queue is asked: its
 * delivery was made by a master that has since been replaced, whose in-flight deliveries the new
 * master does not know (it delivers everything above the acked watermark again).
 *
 * <p>A handle from a later epoch than this node knows is passed on: this node's view of the
 * controller lags the one that delivered it, and the queue's nonce check decides. A delivery whose
 * handle was stamped from a view that lagged a failover is refused once the view catches up: one
 * more delivery of that message, never an ack counted for a delivery that was not.
 *
 * <p>Thread-safety: any thread.
 */
public final class ReceiptEpochs {
  /** Every group at epoch 0: no replicated group. */
  public static final ReceiptEpochs NONE = new ReceiptEpochs(group -> 0L);

  private final ToLongFunction<String> epochOf;

  /** @param epochOf a broker group's current epoch (0 for a group that is not replicated) */
  public ReceiptEpochs(ToLongFunction<String> epochOf) {
    this.epochOf = epochOf;
  }

  /** Epochs as this node's view of the replica controller's decisions has them. */
  public static ReceiptEpochs of(GroupMasters masters) {
    return new ReceiptEpochs(group -> masters.isReplicated(group)
        ? masters.stateOf(group).map(GroupState::epoch).orElse(0L) : 0L);
  }

  /** The handle of a delivery of {@code topic}'s queue {@code queueId}, stamped with its group's epoch now. */
  public ReceiptHandle issue(TopicConfig topic, int queueId, long offset, long nonce) {
    return new ReceiptHandle(queueId, currentOf(topic, queueId), offset, nonce);
  }

  /**
   * Decodes {@code handle} for {@code topic}.
   *
   * @throws BrokerException INVALID_RECEIPT if it is malformed or was issued under an earlier epoch
   *     of its queue's broker group than the current one
   */
  public ReceiptHandle decode(String handle, TopicConfig topic) {
    ReceiptHandle decoded = ReceiptHandle.decode(handle, topic);
    if (decoded.epoch() == ReceiptHandle.UNKNOWN_EPOCH) {
      return decoded;
    }
    long current = currentOf(topic, decoded.queueId());
    if (decoded.epoch() < current) {
      throw BrokerException.invalid(Reason.INVALID_RECEIPT, "receipt handle for offset " + decoded.offset()
          + " of queue " + decoded.queueId() + " was issued under epoch " + decoded.epoch() + " of broker group '"
          + topic.brokerGroupOf(decoded.queueId()) + "', which is now at epoch " + current
          + " after a failover: the message will be delivered again");
    }
    return decoded;
  }

  private long currentOf(TopicConfig topic, int queueId) {
    String group = topic.brokerGroupOf(queueId);
    return group.isEmpty() ? 0 : epochOf.applyAsLong(group);
  }
}
