package io.sluice.actors.transaction;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;

/**
 * When and how often the broker checks back on a transaction without an outcome
 * ({@code sluice.transactions} in the configuration).
 *
 * @param checkTime how long after its first half message a transaction is first checked
 * @param checkInterval how long after a check without an answer (or with UNKNOWN) the next comes
 * @param maxChecks how many checks are sent at most
 * @param maxChecksOutcome what the broker applies when the last check went unanswered
 */
public record TransactionSettings(Duration checkTime, Duration checkInterval, int maxChecks,
    TransactionBook.Outcome maxChecksOutcome) {

  public TransactionSettings {
    if (checkTime.isNegative() || checkTime.isZero() || checkInterval.isNegative() || checkInterval.isZero()) {
      throw new IllegalArgumentException("check-time and check-interval must be positive");
    }
    if (maxChecks < 0) {
      throw new IllegalArgumentException("max-checks must not be negative, was " + maxChecks);
    }
  }

  public static TransactionSettings fromConfig(Config config) {
    Config c = config.getConfig("sluice.transactions");
    return new TransactionSettings(c.getDuration("check-time"), c.getDuration("check-interval"),
        c.getInt("max-checks"),
        TransactionBook.Outcome.valueOf(c.getString("max-checks-outcome").toUpperCase(Locale.ROOT)));
  }

  /** How often the log looks for due checks: a fraction of the shorter period, 20 ms .. 1 s. */
  Duration tick() {
    long shorter = Math.min(checkTime.toMillis(), checkInterval.toMillis());
    return Duration.ofMillis(Math.max(20, Math.min(1000, shorter / 5)));
  }

  /** When the next check of a transaction prepared at {@code preparedAtMs} with {@code checks} sent is due. */
  long nextCheckAtMs(long preparedAtMs, int checks) {
    return preparedAtMs + checkTime.toMillis() + checks * checkInterval.toMillis();
  }
}
