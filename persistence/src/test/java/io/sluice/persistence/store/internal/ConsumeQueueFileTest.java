package io.sluice.persistence.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ConsumeQueue file starts at one page and grows as entries arrive (issue #11: a full-size file
 * per new id made a Send to 1,024 new queues fill gigabytes of page cache on the writer thread).
 */
class ConsumeQueueFileTest {
  private static final int ENTRIES_PER_FILE = 1000;
  private static final long FULL_BYTES = ENTRIES_PER_FILE * ConsumeQueue.ENTRY_SIZE;

  @TempDir Path dir;

  private Path file(long firstEntry) {
    return dir.resolve(ConsumeQueue.fileName(firstEntry));
  }

  private static void putUpTo(ConsumeQueue cq, long from, long to) throws IOException {
    for (long s = from; s <= to; s++) {
      cq.put(s, s * 100, 50, s, true);
    }
  }

  private static void assertEntries(ConsumeQueue cq, long from, long to) {
    for (long s = from; s <= to; s++) {
      assertEquals(s * 100, cq.position(s), "position of " + s);
      assertEquals(50, cq.size(s), "size of " + s);
      assertEquals(s, cq.tagHash(s), "tag hash of " + s);
    }
  }

  @Test
  void newIdGetsOnePageThatDoublesUpToEntriesPerFile() throws IOException {
    ConsumeQueue cq = ConsumeQueue.create("queue|t|0", dir, ENTRIES_PER_FILE);
    cq.put(1, 100, 50, 1, true);
    assertEquals(ConsumeQueue.INITIAL_FILE_BYTES, Files.size(file(0)));
    assertEquals(0, cq.size(300), "an entry past the end of the file reads as never written");
    assertEquals(-1, cq.position(300));

    int perPage = ConsumeQueue.INITIAL_FILE_BYTES / ConsumeQueue.ENTRY_SIZE;
    putUpTo(cq, 2, perPage + 1);
    assertEquals(2L * ConsumeQueue.INITIAL_FILE_BYTES, Files.size(file(0)));
    putUpTo(cq, perPage + 2, ENTRIES_PER_FILE + 1);
    assertEquals(FULL_BYTES, Files.size(file(0)), "capped at entries-per-file entries");
    assertEquals(ConsumeQueue.INITIAL_FILE_BYTES, Files.size(file(ENTRIES_PER_FILE)));
    assertEntries(cq, 1, ENTRIES_PER_FILE + 1);
  }

  @Test
  void reloadFindsTheHighestEntryInAShortLastFileAndGrowsItOnward() throws IOException {
    ConsumeQueue cq = ConsumeQueue.create("queue|t|0", dir, ENTRIES_PER_FILE);
    putUpTo(cq, 1, 300);
    cq.force();

    ConsumeQueue reloaded = ConsumeQueue.load(dir, ENTRIES_PER_FILE);
    assertEquals(300, reloaded.highestSequenceNr());
    putUpTo(reloaded, 301, 700);
    assertEntries(reloaded, 1, 700);
    assertEquals(700, ConsumeQueue.load(dir, ENTRIES_PER_FILE).highestSequenceNr());
  }

  @Test
  void fileLeftEmptyByACrashIsGrownOnTheNextWrite() throws IOException {
    ConsumeQueue.create("queue|t|0", dir, ENTRIES_PER_FILE);
    Files.createFile(file(0));

    ConsumeQueue cq = ConsumeQueue.load(dir, ENTRIES_PER_FILE);
    assertEquals(0, cq.highestSequenceNr());
    putUpTo(cq, 1, 5);
    assertEntries(cq, 1, 5);
    assertEquals(ConsumeQueue.INITIAL_FILE_BYTES, Files.size(file(0)));
  }
}
