package io.sluice.actors.consume;

/**
 * A delivery waiting for its ack, or (nacked, or due again) for redelivery. It names its message by
 * offset and keeps no body: a group with thousands of deliveries out costs the same few bytes per
 * delivery whatever the messages' size, and a redelivery reads its message back from the journal
 * ({@link Redeliveries}).
 *
 * <p>Thread-safety: none; owned by one {@link GroupQueue}.
 */
final class InFlight {
  final long offset;
  /** The message's message group ("" for none), for FIFO order when it is settled. */
  final String messageGroup;
  /** Identifies the current delivery; 0 while no delivery is current (nacked, or due again). */
  long nonce;
  int attempt;
  /** Invisible until then, or (nacked) redelivered from then on. */
  long deadlineMs;

  InFlight(long offset, String messageGroup, int attempt) {
    this.offset = offset;
    this.messageGroup = messageGroup;
    this.attempt = attempt;
  }
}
