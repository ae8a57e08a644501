package io.sluice.bench.recovery;

import io.sluice.bench.Scratch;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.internal.Checkpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Recovery time of a store holding {@code targetBytes} of 1 KiB events: a child JVM fills it and is
 * killed with SIGKILL mid-write, then this JVM times {@code MessageStore.open} four times:
 *
 * <ol>
 *   <li>after the crash;
 *   <li>after a clean close (fresh checkpoint);
 *   <li>after deleting the checkpoint file (full scan of the log);
 *   <li>after deleting {@code consumequeue/} (full rebuild);
 *   <li>after deleting the checkpoint again and dropping the log from the page cache (a full scan
 *       read from disk, as after a machine crash).
 * </ol>
 *
 * Only {@code open} is timed; after it, untimed, the events held (sum of the ids' highest sequence
 * nrs) are counted, each id's highest event is read back, and the store is closed. Except in the
 * last step the log was just written, so it is read from the page cache.
 */
public final class RecoveryCase {
  public static final String CRASH = "after SIGKILL";
  public static final String CLEAN = "after clean close";
  public static final String NO_CHECKPOINT = "checkpoint deleted";
  public static final String NO_CONSUME_QUEUE = "consumequeue/ deleted";
  public static final String COLD = "checkpoint del., cold";

  private final long targetBytes;

  public RecoveryCase(long targetBytes) {
    this.targetBytes = targetBytes;
  }

  /** One fill, kill and the five opens, in {@code dir}; returns the timings in that order. */
  public Fill run(Path dir, boolean keyed) throws Exception {
    String fillLine = fillInChild(dir, keyed);
    StoreSettings settings = StoreSettings.of(dir, "");
    List<OpenTiming> opens = new ArrayList<>();
    opens.add(timedOpen(CRASH, settings));
    opens.add(timedOpen(CLEAN, settings));
    Files.delete(settings.checkpointFile());
    opens.add(timedOpen(NO_CHECKPOINT, settings));
    Scratch.delete(settings.consumeQueueDir());
    opens.add(timedOpen(NO_CONSUME_QUEUE, settings));
    Files.delete(settings.checkpointFile());
    PageCache.drop(settings.commitLogDir());
    opens.add(timedOpen(COLD, settings));
    return new Fill(fillLine, opens);
  }

  /**
   * What one run did.
   *
   * @param childReport the child's line (FILLED, log position, events, milliseconds) and its exit
   *     status (137 = killed by SIGKILL)
   * @param opens the five timed opens
   */
  public record Fill(String childReport, List<OpenTiming> opens) {
    public Fill {
      opens = List.copyOf(opens);
    }
  }

  private static OpenTiming timedOpen(String step, StoreSettings settings) throws IOException {
    Checkpoint checkpoint = Checkpoint.read(settings.checkpointFile());
    long started = System.nanoTime();
    MessageStore store = MessageStore.open(settings);
    long nanos = System.nanoTime() - started;
    var result = store.recovery();
    long held = 0;
    int unreadable = 0;
    for (String id : store.persistenceIds()) {
      long highest = store.highestSequenceNr(id);
      held += highest;
      if (!lastEventReadable(store, id, highest)) {
        unreadable++;
      }
    }
    store.close();
    return new OpenTiming(
        step, nanos, result, checkpoint == null ? -1 : checkpoint.position(), held, unreadable);
  }

  /** Whether the id's highest event reads back (CRC verified); a lost tail shows up here. */
  private static boolean lastEventReadable(MessageStore store, String id, long highest) {
    if (highest == 0) {
      return true;
    }
    try {
      return store.read(id, highest, highest, 1).size() == 1;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private String fillInChild(Path dir, boolean keyed) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!arg.startsWith("-XX:StartFlightRecording")
          && !arg.startsWith("-agent")
          && !arg.startsWith("-XX:FlightRecorderOptions")) {
        command.add(arg);
      }
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.sluice.bench.BenchMain");
    command.add("recovery-fill");
    command.add(dir.toString());
    command.add(Long.toString(targetBytes));
    command.add(keyed ? "keyed" : "plain");
    Process child =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Thread reaper = new Thread(child::destroyForcibly, "bench-child-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith(RecoveryFiller.FILLED)) {
          child.destroyForcibly();
          if (!child.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("child did not die after SIGKILL");
          }
          return line + " exit=" + child.exitValue();
        }
      }
      throw new IllegalStateException(
          "child exited with " + child.waitFor() + " before filling the store");
    } finally {
      child.destroyForcibly();
      Runtime.getRuntime().removeShutdownHook(reaper);
    }
  }
}
