package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Synthetic histories: every category of {@link HistoryChecker} is detected, and a clean history passes. */
class HistoryCheckerTest {
  static final String T = "t";
  static final String DRAIN = "drain";

  /** Sends {@code id} (no message group) and acknowledges it at queue/offset. */
  static void acked(History h, String id, int queue, long offset) {
    h.invoke(id, T, "");
    h.ok(id, queue, offset);
  }

  @Test
  void cleanHistoryHasNoProblems() {
    History h = new History();
    acked(h, "a", 0, 0);
    acked(h, "b", 0, 1);
    acked(h, "c", 1, 0);
    h.delivered("live", "a", T, "", 0, 0);
    h.delivered("live", "b", T, "", 0, 1);
    h.delivered("live", "c", T, "", 1, 0);
    h.delivered(DRAIN, "a", T, "", 0, 0);
    h.delivered(DRAIN, "b", T, "", 0, 1);
    h.delivered(DRAIN, "c", T, "", 1, 0);
    HistoryChecker.Report r = HistoryChecker.check(h, DRAIN);
    assertEquals(List.of(), r.problems(), r.summary());
    assertEquals(3, r.acked());
    assertEquals(6, r.delivered());
    r.assertValid();
  }

  @Test
  void ackedButNotDrainedIsLost() {
    History h = new History();
    acked(h, "a", 0, 0);
    acked(h, "b", 0, 1);
    h.delivered("live", "b", T, "", 0, 1); // another group's delivery does not count
    h.delivered(DRAIN, "a", T, "", 0, 0);
    HistoryChecker.Report r = HistoryChecker.check(h, DRAIN);
    assertEquals(Set.of("b"), r.lost());
    assertThrows(AssertionError.class, r::assertValid);
  }

  @Test
  void failedOrUnknownButDeliveredIsRecoveredAndAllowed() {
    History h = new History();
    h.invoke("f", T, "");
    h.fail("f");
    h.invoke("u", T, "");
    h.unknown("u");
    h.invoke("pending", T, ""); // never completed: unknown
    h.invoke("gone", T, "");
    h.fail("gone");
    h.delivered(DRAIN, "f", T, "", 0, 0);
    h.delivered(DRAIN, "u", T, "", 0, 1);
    h.delivered(DRAIN, "pending", T, "", 0, 2);
    HistoryChecker.Report r = HistoryChecker.check(h, DRAIN);
    assertEquals(Set.of("f", "u", "pending"), r.recovered());
    assertEquals(2, r.failed());
    assertEquals(2, r.unknown());
    assertEquals(Set.of(), r.lost());
    r.assertValid();
  }

  @Test
  void deliveredButNeverSentIsUnexpected() {
    History h = new History();
    acked(h, "a", 0, 0);
    h.delivered(DRAIN, "a", T, "", 0, 0);
    h.delivered(DRAIN, "ghost", T, "", 0, 1);
    HistoryChecker.Report r = HistoryChecker.check(h, DRAIN);
    assertEquals(Set.of("ghost"), r.unexpected());
    assertThrows(AssertionError.class, r::assertValid);
  }

  @Test
  void duplicatesAreCountedPerGroupAndAllowed() {
    History h = new History();
    acked(h, "a", 0, 0);
    acked(h, "b", 0, 1);
    h.delivered("live", "a", T, "", 0, 0);
    h.delivered("live", "a", T, "", 0, 0);
    h.delivered("live", "b", T, "", 0, 1);
    h.delivered(DRAIN, "a", T, "", 0, 0);
    h.delivered(DRAIN, "b", T, "", 0, 1);
    h.delivered(DRAIN, "b", T, "", 0, 1);
    HistoryChecker.Report r = HistoryChecker.check(h, DRAIN);
    assertEquals(Map.of("live", 1, DRAIN, 1), r.duplicated());
    r.assertValid();
  }

  @Test
  void anOffsetHoldingTwoIdsIsAConflict() {
    History h = new History();
    acked(h, "a", 0, 0);
    acked(h, "b", 0, 0); // two receipts for one slot: the offset was reused
    h.delivered(DRAIN, "a", T, "", 0, 0);
    h.delivered(DRAIN, "b", T, "", 0, 1);
    HistoryChecker.Report r = HistoryChecker.check(h, DRAIN);
    assertEquals(1, r.offsetConflicts().size(), r.offsetConflicts().toString());
    assertTrue(r.offsetConflicts().get(0).startsWith("t/0@0"), r.offsetConflicts().toString());

    History h2 = new History();
    acked(h2, "a", 0, 0);
    acked(h2, "b", 0, 1);
    h2.delivered(DRAIN, "a", T, "", 0, 0);
    h2.delivered(DRAIN, "b", T, "", 0, 0); // a delivery disagrees with a receipt
    HistoryChecker.Report r2 = HistoryChecker.check(h2, DRAIN);
    assertEquals(1, r2.offsetConflicts().size(), r2.offsetConflicts().toString());
    assertThrows(AssertionError.class, r2::assertValid);

    History h3 = new History();
    acked(h3, "a", 1, 5);
    acked(h3, "b", 2, 5); // same offset on other queues is fine
    HistoryChecker.Report r3 = HistoryChecker.check(h3, DRAIN);
    assertEquals(List.of(), r3.offsetConflicts());
  }

  @Test
  void aHoleInTheDrainedOffsetsIsAGap() {
    History h = new History();
    acked(h, "a", 0, 0);
    h.invoke("b", T, "");
    h.unknown("b");
    acked(h, "c", 0, 2);
    acked(h, "d", 3, 0);
    h.delivered(DRAIN, "a", T, "", 0, 0);
    h.delivered(DRAIN, "c", T, "", 0, 2);
    h.delivered(DRAIN, "d", T, "", 3, 0);
    HistoryChecker.Report r = HistoryChecker.check(h, DRAIN);
    assertEquals(1, r.offsetGaps().size(), r.offsetGaps().toString());
    assertTrue(r.offsetGaps().get(0).contains("t/0") && r.offsetGaps().get(0).contains("the first 1"),
        r.offsetGaps().toString());
    assertThrows(AssertionError.class, r::assertValid);
  }

  @Test
  void aMessageOvertakingAnEarlierAckedOneOfItsGroupBreaksFifo() {
    History h = new History();
    for (String id : List.of("g1-0", "g1-1", "g1-2")) {
      h.invoke(id, T, "g1");
    }
    h.ok("g1-0", 0, 0);
    h.ok("g1-1", 0, 1);
    h.ok("g1-2", 0, 2);
    h.invoke("g2-0", T, "g2");
    h.ok("g2-0", 1, 0);
    // the live group gets g1-0, then g1-2 before g1-1; a redelivery of g1-0 later is fine
    h.delivered("live", "g1-0", T, "g1", 0, 0);
    h.delivered("live", "g2-0", T, "g2", 1, 0);
    h.delivered("live", "g1-2", T, "g1", 0, 2);
    h.delivered("live", "g1-1", T, "g1", 0, 1);
    h.delivered("live", "g1-0", T, "g1", 0, 0);
    // the draining group reads in order, with a redelivery of an earlier message
    for (String id : List.of("g1-0", "g1-1", "g1-0", "g1-2")) {
      h.delivered(DRAIN, id, T, "g1", 0, Long.parseLong(id.substring(3)));
    }
    h.delivered(DRAIN, "g2-0", T, "g2", 1, 0);
    HistoryChecker.Report r = HistoryChecker.check(h, DRAIN);
    assertEquals(1, r.fifoViolations().size(), r.fifoViolations().toString());
    assertTrue(r.fifoViolations().get(0).contains("live") && r.fifoViolations().get(0).contains("g1-1"),
        r.fifoViolations().toString());
    assertThrows(AssertionError.class, r::assertValid);
  }

  @Test
  void idsMustBeUniqueAndCompletedOnlyAfterInvoke() {
    History h = new History();
    h.invoke("a", T, "");
    assertThrows(IllegalArgumentException.class, () -> h.invoke("a", T, ""));
    assertThrows(IllegalArgumentException.class, () -> h.ok("never", 0, 0));
    h.ok("a", 0, 0);
    assertThrows(IllegalStateException.class, () -> h.fail("a"));
  }
}
