package io.sluice.actors.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The order of candidates: last epoch, then end position, then configured order, then id. */
class ElectionTest {
  private static Election.Candidate c(String id, long epoch, long end, int priority) {
    return new Election.Candidate(id, "pekko://S@h:" + id, epoch, end, priority);
  }

  private static String chosen(Election.Candidate... candidates) {
    return Election.choose(List.of(candidates)).orElseThrow().replicaId();
  }

  @Test
  void aHigherLastEpochWinsOverALongerLog() {
    // a longer log of an older epoch holds records no later master had: they are not committed
    assertEquals("n2", chosen(c("n1", 3, 9_000, 0), c("n2", 4, 100, 1)));
  }

  @Test
  void inOneEpochTheLongerLogWins() {
    assertEquals("n2", chosen(c("n1", 4, 500, 0), c("n2", 4, 700, 1)));
  }

  @Test
  void equalLogsGoToTheConfiguredOrderThenTheId() {
    assertEquals("n3", chosen(c("n1", 4, 700, 2), c("n3", 4, 700, 0)));
    assertEquals("a", chosen(c("b", 4, 700, 1), c("a", 4, 700, 1)));
  }

  @Test
  void noCandidateNoChoice() {
    assertTrue(Election.choose(List.of()).isEmpty());
  }
}
