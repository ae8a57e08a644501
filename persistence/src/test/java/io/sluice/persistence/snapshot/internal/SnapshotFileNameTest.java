package io.sluice.persistence.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SnapshotFileNameTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a",
        "orders/eu|0",
        "Mixed.Case_id-1",
        "ünïcødé 日本語 🙂",
        "..",
        "%41",
        "-1-2",
        "with-dash-9-9"
      })
  void roundTripsReadableNames(String persistenceId) {
    SnapshotFileName name = SnapshotFileName.of(persistenceId, 12, 1_700_000_000_000L);

    Optional<SnapshotFileName> parsed = SnapshotFileName.parse(name.fileName());

    assertEquals(Optional.of(name), parsed);
    assertFalse(name.isHashed());
    assertEquals(Optional.of(persistenceId), parsed.get().persistenceId());
  }

  @Test
  void keepsOnlyLowerCaseLettersDigitsAndDotDashUnderscore() {
    assertEquals("p-ab.c_d-9%2F%7C%41", SnapshotFileName.idPart("ab.c_d-9/|A"));
  }

  @Test
  void hashesIdsTooLongToEscapeAndStaysUnder255Bytes() {
    String longId = "/".repeat(400);
    SnapshotFileName name = SnapshotFileName.of(longId, Long.MAX_VALUE, Long.MAX_VALUE);

    assertTrue(name.isHashed());
    assertEquals(Optional.empty(), name.persistenceId());
    assertTrue(name.fileName().getBytes(StandardCharsets.UTF_8).length < 255);
    assertEquals(Optional.of(name), SnapshotFileName.parse(name.fileName()));
    assertNotEquals(
        SnapshotFileName.idPart(longId), SnapshotFileName.idPart(longId.substring(1) + "x"));
  }

  @Test
  void longestReadableIdPartStillFitsWithMaximalNumbers() {
    String id = "a".repeat(SnapshotFileName.MAX_ID_PART_LENGTH - 2);
    SnapshotFileName name = SnapshotFileName.of(id, Long.MAX_VALUE, Long.MAX_VALUE);

    assertFalse(name.isHashed());
    assertTrue(name.fileName().length() < 255);
    assertTrue(SnapshotFileName.of(id + "a", 1, 1).isHashed());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "p-a-1-2",
        "p-a-1.snap",
        "p-a-x-2.snap",
        "p-a-1--2.snap",
        "p-a-+1-2.snap",
        "q-a-1-2.snap",
        "p--1-2.snap",
        "p-a-1-99999999999999999999.snap",
        "tmp-123.tmp"
      })
  void rejectsNamesThatAreNotSnapshotNames(String fileName) {
    assertEquals(Optional.empty(), SnapshotFileName.parse(fileName));
  }

  @Test
  void tempNamesAreRecognisedAndNeverParseAsSnapshots() {
    String tmp = SnapshotFileName.newTempFileName();

    assertTrue(SnapshotFileName.isTempFileName(tmp));
    assertFalse(SnapshotFileName.isTempFileName(SnapshotFileName.of("a", 1, 2).fileName()));
    assertEquals(Optional.empty(), SnapshotFileName.parse(tmp));
  }

  @Test
  void rejectsIdsThatUtf8CannotCarry() {
    assertThrows(IllegalArgumentException.class, () -> SnapshotFileName.idPart("bad\uD800id"));
  }
}
