package io.sluice.actors;

import java.time.Duration;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;

/**
 * What an event-sourced actor does when its journal fails a write or a recovery (a timed-out or
 * open circuit breaker, a full disk): restart and recover again after a growing pause, so it serves
 * again once the journal does. Stopping instead would leave a cluster singleton dead until the next
 * handover, and a sharded entity dead until its next message.
 */
public final class JournalFailures {
  private JournalFailures() {}

  /** 200 ms doubling up to 10 s (20% jitter), reset after a quiet minute; never gives up. */
  public static BackoffSupervisorStrategy restartWithBackoff() {
    return SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)
        .withResetBackoffAfter(Duration.ofMinutes(1));
  }
}
