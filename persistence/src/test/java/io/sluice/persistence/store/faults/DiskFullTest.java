package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StorageFullException;
import io.sluice.persistence.store.StoreSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real "no space left on device" from an 8 MiB tmpfs mounted under the test's directory (the
 * test is skipped where mounting is not permitted, and always unmounts): the write that hits it
 * fails at once with {@link StorageFullException} and leaves nothing behind, and once space is
 * freed the same store writes again, without a restart; a reopen finds exactly the acknowledged
 * events.
 */
class DiskFullTest {
  @TempDir Path tmp;
  Path disk;
  boolean mounted;
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  @BeforeEach
  void mount() throws Exception {
    disk = Files.createDirectories(tmp.resolve("disk"));
    mounted = run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", disk.toString()) == 0;
    Assumptions.assumeTrue(mounted, "mounting a tmpfs is not permitted here");
  }

  @AfterEach
  void unmount() throws Exception {
    if (mounted && run("umount", disk.toString()) != 0) {
      run("umount", "-l", disk.toString());
    }
  }

  private static int run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  private MessageStore open() throws Exception {
    // Thresholds off: only the real ENOSPC refuses. Small ConsumeQueue and Index files, whose
    // pages are touched before the disk fills up.
    StoreSettings settings = StoreSettings.of(disk.resolve("store"), "segment-size = 1 MiB\n"
        + "flush-mode = sync\n"
        + "consume-queue.entries-per-file = 200\n"
        + "index { slot-count = 16, max-entries = 16 }\n"
        + "disk-limits { max-used-ratio = 1.0, hard-max-used-ratio = 1.0, check-interval = 1 s }");
    return MessageStore.open(settings, clock);
  }

  private static List<EventRecord> event(long sequenceNr, int payloadBytes) {
    byte[] payload = new byte[payloadBytes];
    byte[] name = ("p#" + sequenceNr).getBytes(StandardCharsets.UTF_8);
    System.arraycopy(name, 0, payload, 0, name.length);
    return List.of(new EventRecord("p", sequenceNr, "w", List.of(), 4, "m", "", payload));
  }

  /** Writes a file until the disk is full. */
  private Path fillDisk() throws IOException {
    Path filler = disk.resolve("filler");
    byte[] chunk = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException full) {
      assertTrue(String.valueOf(full.getMessage()).contains("No space left"), full.toString());
    }
    return filler;
  }

  @Test
  void failsTheWriteAtOnceAndWritesAgainOnceSpaceIsFreed() throws Exception {
    try (MessageStore store = open()) {
      store.append(event(1, 100)).get();
      Path filler = fillDisk();

      Throwable failure = assertThrows(ExecutionException.class, () -> store.append(event(2, 256 * 1024)).get()).getCause();
      assertInstanceOf(StorageFullException.class, failure);
      assertFalse(store.acceptsMessageWrites());
      assertEquals(1, store.highestSequenceNr("p"));
      assertEquals(1, store.read("p", 1, 10, 10).size());

      Files.delete(filler);
      clock.advance(Duration.ofSeconds(1));
      store.append(event(2, 300)).get();
      store.append(event(3, 300)).get();
      assertTrue(store.acceptsMessageWrites());
    }
    try (MessageStore store = open()) {
      List<Integer> sizes = store.read("p", 1, 10, 10).stream().map(r -> r.payload().length).toList();
      assertEquals(List.of(100, 300, 300), sizes);
    }
  }
}
