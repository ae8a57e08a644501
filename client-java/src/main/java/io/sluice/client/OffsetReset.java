package io.sluice.client;

import java.time.Instant;
import java.util.Objects;

/**
 * Where {@link Admin#resetConsumerGroupOffset} moves a consumer group on every queue of a topic.
 * Messages from that position on are delivered to the group, again if it had acked them;
 * deliveries in flight at the reset become invalid.
 */
public sealed interface OffsetReset {
  /**
   * The oldest message each queue still holds.
   *
   * @return the position
   */
  static OffsetReset earliest() {
    return Earliest.INSTANCE;
  }

  /**
   * After the newest message of each queue: only messages stored from then on are delivered.
   *
   * @return the position
   */
  static OffsetReset latest() {
    return Latest.INSTANCE;
  }

  /**
   * The first message of each queue stored at or after {@code time}.
   *
   * @param time the store time
   * @return the position
   */
  static OffsetReset toStoreTime(Instant time) {
    return new ToStoreTime(Objects.requireNonNull(time, "time"));
  }

  /** See {@link #earliest()}. */
  enum Earliest implements OffsetReset {
    INSTANCE
  }

  /** See {@link #latest()}. */
  enum Latest implements OffsetReset {
    INSTANCE
  }

  /**
   * See {@link #toStoreTime(Instant)}.
   *
   * @param time the store time
   */
  record ToStoreTime(Instant time) implements OffsetReset {}
}
