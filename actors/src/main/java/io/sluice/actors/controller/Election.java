package io.sluice.actors.controller;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** Which eligible replica becomes master: the one holding the most log, then a stable tie-break. */
final class Election {
  private Election() {}

  /**
   * An eligible replica as it last reported.
   *
   * @param priority its place in the group's configured replica list (0 = the configured master);
   *     lower wins a tie
   */
  record Candidate(String replicaId, String address, long epoch, long endPosition, int priority) {}

  private static final Comparator<Candidate> BEST_FIRST = Comparator
      .comparingLong(Candidate::epoch).reversed()
      .thenComparing(Comparator.comparingLong(Candidate::endPosition).reversed())
      .thenComparingInt(Candidate::priority)
      .thenComparing(Candidate::replicaId);

  /** The highest (last epoch, end position), then the lowest priority, then the lowest id. */
  static Optional<Candidate> choose(Collection<Candidate> candidates) {
    return candidates.stream().min(BEST_FIRST);
  }
}
