package io.sluice.actors.queue;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How a queue recognises a resent message id ({@code sluice.queue.dedup}): an id it stored at most
 * {@code window} ago and among its last {@code maxIds} messages is answered with its first offset
 * instead of being stored again.
 *
 * @param window how long a stored id is remembered; zero turns dedup off
 * @param maxIds how many ids a queue remembers at most
 */
public record DedupSettings(Duration window, int maxIds) {

  public DedupSettings {
    if (window.isNegative()) {
      throw new IllegalArgumentException("dedup window must not be negative, was " + window);
    }
    if (maxIds < 0) {
      throw new IllegalArgumentException("dedup max-ids must not be negative, was " + maxIds);
    }
  }

  public static DedupSettings fromConfig(Config config) {
    Config c = config.getConfig("sluice.queue.dedup");
    return new DedupSettings(c.getDuration("window"), c.getInt("max-ids"));
  }

  boolean enabled() {
    return maxIds > 0 && !window.isZero();
  }
}
