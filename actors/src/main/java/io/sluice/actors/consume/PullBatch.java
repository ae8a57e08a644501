package io.sluice.actors.consume;

import io.sluice.protocol.v1.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * The deliveries of one {@link GroupQueue.Pull}, within its count and byte bounds.
 *
 * <p>Thread-safety: none; lives within one command.
 */
final class PullBatch {
  private final GroupQueue.Pull pull;
  final List<GroupQueue.Delivered> deliveries = new ArrayList<>();
  private long bytes;

  PullBatch(GroupQueue.Pull pull) {
    this.pull = pull;
  }

  boolean hasRoom() {
    return deliveries.size() < pull.max();
  }

  /** Whether a delivery of {@code m} stays within the byte bound (or goes first, of any size). */
  boolean fits(Message m) {
    return (deliveries.isEmpty() && pull.firstOfAnySize()) || bytes + GroupQueue.wireSize(m) <= pull.maxBytes();
  }

  void add(GroupQueue.Delivered d) {
    deliveries.add(d);
    bytes += GroupQueue.wireSize(d.message());
  }
}
