package io.sluice.bench.recovery;

import io.sluice.bench.engine.BenchEvents;
import io.sluice.bench.engine.PipelinedAppendLoad;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The child JVM of the recovery case: appends 1 KiB events (async flush, reference defaults) until
 * the CommitLog holds {@code targetBytes}, prints {@value #FILLED} with the position, and keeps
 * appending until the parent kills it with SIGKILL, so the kill lands mid-write.
 *
 * <p>It halts by itself if its stdin closes (the parent died) or 30 s after filling, so it never
 * outlives the benchmark.
 */
public final class RecoveryFiller {
  public static final String FILLED = "FILLED";
  public static final int IDS = 64;
  private static final int IN_FLIGHT = 1024;
  private static final long GRACE_MS = 30_000;

  private RecoveryFiller() {}

  /** Arguments: store directory, target CommitLog bytes, "keyed" or "plain". */
  public static void run(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long targetBytes = Long.parseLong(args[1]);
    boolean keyed = args[2].equals("keyed");
    haltWhenParentGoes();
    MessageStore store = MessageStore.open(StoreSettings.of(dir, ""));
    PipelinedAppendLoad load =
        new PipelinedAppendLoad(
            store,
            IDS,
            IN_FLIGHT,
            BenchEvents.payload(),
            keyed ? BenchEvents::keyedEvent : BenchEvents::event);
    long started = System.nanoTime();
    load.start();
    while (store.confirmedPosition() < targetBytes) {
      Thread.sleep(5);
    }
    System.out.println(
        FILLED
            + " "
            + store.confirmedPosition()
            + " "
            + load.completedOperations()
            + " "
            + (System.nanoTime() - started) / 1_000_000);
    System.out.flush();
    Thread.sleep(GRACE_MS);
    Runtime.getRuntime().halt(3);
  }

  private static void haltWhenParentGoes() {
    Thread watcher =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // the parent never writes; end of stream means it is gone
                }
              } catch (IOException e) {
                // same: no parent to report to
              }
              Runtime.getRuntime().halt(4);
            },
            "parent-watcher");
    watcher.setDaemon(true);
    watcher.start();
  }
}
