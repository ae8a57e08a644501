package io.sluice.persistence.store.faults;

import static io.sluice.persistence.store.faults.FaultEvents.assertWholeWrites;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sluice.persistence.store.FlushMode;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoredRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Kills a process that is appending as fast as it can (SIGKILL, no shutdown hook runs) and checks
 * what a reopened store serves. A killed process loses nothing the OS already holds, so in both
 * flush modes every confirmed write must survive; only an OS crash may lose acknowledged but
 * unforced writes with async flush.
 */
class CrashRecoveryTest {
  private static final int CONFIRMATIONS_BEFORE_KILL = 3_000;

  /** Exit status of a process killed by SIGKILL, as the JDK reports it (128 + 9). */
  private static final int KILLED = 137;

  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(FlushMode.class)
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void everyConfirmedWriteSurvivesSigkillWholeAndInOrder(FlushMode mode) throws Exception {
    Path storeDir = tmp.resolve("store");
    Path childErr = tmp.resolve("child.err");
    Process child = startWriter(storeDir, mode, childErr);
    Map<String, Long> confirmed;
    BufferedReader out = child.inputReader();
    try {
      confirmed = readConfirmations(out, childErr);
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(20, TimeUnit.SECONDS), "killed child exits");
      out.close();
    }
    assertEquals(
        KILLED, child.exitValue(), "the child was killed mid-run, it did not stop on its own");

    Map<String, Long> highest = new HashMap<>();
    try (MessageStore store = MessageStore.open(CrashWriter.settings(storeDir, mode))) {
      assertEquals(store.confirmedPosition(), store.recovery().end());
      assertFalse(store.lastStopClean(), "a killed store did not stop cleanly");
      Set<String> expectedIds = new HashSet<>();
      for (int i = 0; i < CrashWriter.IDS; i++) {
        expectedIds.add(CrashWriter.persistenceId(i));
      }
      assertTrue(expectedIds.containsAll(store.persistenceIds()), "ids " + store.persistenceIds());
      assertTrue(
          store.confirmedPosition() > 2 * store.settings().segmentSizeBytes(), "the log rolled");
      for (String id : expectedIds) {
        long seen = confirmed.getOrDefault(id, 0L);
        List<StoredRecord> events = assertWholeWrites(store, id);
        assertTrue(
            events.size() >= seen,
            id + ": confirmed up to " + seen + ", only " + events.size() + " recovered");
        highest.put(id, store.highestSequenceNr(id));
      }
      for (String id : expectedIds) {
        store.append(FaultEvents.atomicWrite(id, highest.get(id) + 1, 2)).get(10, TimeUnit.SECONDS);
      }
    }

    try (MessageStore store = MessageStore.open(CrashWriter.settings(storeDir, mode))) {
      assertEquals(0, store.recovery().discardedBytes(), "a clean close leaves nothing to discard");
      assertTrue(store.lastStopClean(), "closed cleanly");
      for (var e : highest.entrySet()) {
        List<StoredRecord> events = assertWholeWrites(store, e.getKey());
        assertEquals(
            e.getValue() + 2,
            events.size(),
            e.getKey() + ": the appends after recovery survive a reopen");
      }
    }
  }

  private static Process startWriter(Path storeDir, FlushMode mode, Path childErr)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            System.getProperty("java.class.path"),
            CrashWriter.class.getName(),
            storeDir.toString(),
            mode.name())
        .redirectError(childErr.toFile())
        .start();
  }

  /** Highest confirmed sequence nr per id among the first confirmations the child printed. */
  private static Map<String, Long> readConfirmations(BufferedReader out, Path childErr)
      throws IOException {
    Map<String, Long> confirmed = new HashMap<>();
    int seen = 0;
    String line;
    while (seen < CONFIRMATIONS_BEFORE_KILL && (line = out.readLine()) != null) {
      if (line.startsWith("OK ")) {
        String[] f = line.split(" ");
        confirmed.merge(f[1], Long.parseLong(f[2]), Math::max);
        seen++;
      } else if (line.startsWith("FAILED ")) {
        fail("child append failed: " + line);
      }
    }
    if (seen < CONFIRMATIONS_BEFORE_KILL) {
      fail(
          "child stopped after " + seen + " confirmations; stderr:\n" + Files.readString(childErr));
    }
    return confirmed;
  }
}
