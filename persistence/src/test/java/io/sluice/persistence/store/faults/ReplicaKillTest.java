package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreRole;
import io.sluice.persistence.store.StoredRecord;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of a replica mid-stream: a child JVM copies the master's log into the replica store and
 * is killed while copying; the reopened replica holds at least every chunk the child saw written,
 * and resuming the copy from its recovered end makes it byte-identical to the master.
 */
class ReplicaKillTest {
  private static final int CHUNKS_BEFORE_KILL = 300;
  private static final int IDS = 20;

  /** Exit status of a process killed by SIGKILL, as the JDK reports it (128 + 9). */
  private static final int KILLED = 137;

  @TempDir Path tmp;

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aReplicaKilledWhileCopyingResumesFromItsRecoveredEndToAByteIdenticalLog() throws Exception {
    Path masterDir = tmp.resolve("master");
    Path replicaDir = tmp.resolve("replica");
    try (MessageStore master = MessageStore.open(ReplicaCopier.settings(masterDir))) {
      master.startEpoch(1).get();
      write(master, 0, 60_000);
      master.startEpoch(2).get();
      write(master, 60_000, 120_000);
    }

    Path childErr = tmp.resolve("child.err");
    Process child = startCopier(masterDir, replicaDir, childErr);
    long lastCopied;
    BufferedReader out = child.inputReader();
    try {
      lastCopied = readCopied(out, childErr);
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(20, TimeUnit.SECONDS), "killed child exits");
      out.close();
    }
    assertEquals(KILLED, child.exitValue(), "the child was killed mid-copy, it did not finish");

    try (MessageStore master = MessageStore.open(ReplicaCopier.settings(masterDir));
        MessageStore replica = MessageStore.open(ReplicaCopier.settings(replicaDir))) {
      replica.setRole(StoreRole.REPLICA);
      assertTrue(replica.confirmedPosition() >= lastCopied,
          "the replica recovered to " + replica.confirmedPosition() + ", the child had written " + lastCopied);
      assertTrue(replica.confirmedPosition() < master.confirmedPosition(), "the copy was cut short");

      RawCopy.copy(master, replica, 64 * 1024);
      RawCopy.assertSameLog(master, replica);
      assertEquals(master.epochs(), replica.epochs());
      assertEquals(master.persistenceIds(), replica.persistenceIds());
      for (String id : master.persistenceIds()) {
        assertEquals(master.highestSequenceNr(id), replica.highestSequenceNr(id), id);
        assertEquals(positions(master.read(id, 1, Long.MAX_VALUE, Long.MAX_VALUE)),
            positions(replica.read(id, 1, Long.MAX_VALUE, Long.MAX_VALUE)), id);
      }
    }
  }

  private static void write(MessageStore master, long from, long to) throws Exception {
    for (long n = from; n < to; n += 1000) {
      List<List<EventRecord>> writes = new ArrayList<>();
      for (long i = n; i < n + 1000; i++) {
        writes.add(List.of(FaultEvents.sized("queue|t-" + i % IDS, i / IDS + 1, 40)));
      }
      master.appendAll(writes).get();
    }
  }

  private static List<Long> positions(List<StoredRecord> records) {
    return records.stream().map(StoredRecord::position).toList();
  }

  private static Process startCopier(Path masterDir, Path replicaDir, Path childErr) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"),
            ReplicaCopier.class.getName(), masterDir.toString(), replicaDir.toString())
        .redirectError(childErr.toFile())
        .start();
  }

  /** The replica end the child reported last among its first chunks. */
  private static long readCopied(BufferedReader out, Path childErr) throws Exception {
    long last = -1;
    int seen = 0;
    String line;
    while (seen < CHUNKS_BEFORE_KILL && (line = out.readLine()) != null) {
      if (line.startsWith("COPIED ")) {
        last = Long.parseLong(line.substring("COPIED ".length()));
        seen++;
      } else if (line.equals("DONE")) {
        fail("the child finished the copy before it was killed");
      }
    }
    if (seen < CHUNKS_BEFORE_KILL) {
      fail("child stopped after " + seen + " chunks; stderr:\n" + Files.readString(childErr));
    }
    return last;
  }
}
