package io.sluice.persistence.store.faults;

import io.sluice.persistence.store.FlushMode;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The child process of {@link CrashRecoveryTest}: appends atomic writes of 1-3 events to {@link
 * #IDS} persistence ids from {@link #THREADS} threads as fast as the store takes them, and prints
 * {@code OK <id> <last seq of the write>} once each append has completed, until it is killed.
 *
 * <p>Usage: {@code CrashWriter <store dir> <SYNC|ASYNC>}.
 */
public final class CrashWriter {
  static final int IDS = 16;
  static final int THREADS = 4;

  /** Appends a thread keeps outstanding, so batches hold many writes as in production. */
  private static final int IN_FLIGHT_PER_THREAD = 32;

  /** Bounds the disk a child can fill if nobody kills it. */
  private static final int MAX_WRITES_PER_THREAD = 50_000;

  /** The child exits on its own after this, in case its parent died. */
  private static final long LIFETIME_MS = 45_000;

  private CrashWriter() {}

  /** Small segments so the log rolls; frequent checkpoints so recovery starts from one. */
  static StoreSettings settings(Path dir, FlushMode mode) {
    return StoreSettings.of(
        dir,
        "segment-size = 256 KiB\n"
            + "checkpoint-interval = 100 ms\n"
            + "consume-queue.entries-per-file = 256\n"
            + "index.slot-count = 1024\n"
            + "index.max-entries = 4096\n"
            + "flush-mode = "
            + mode.name().toLowerCase(Locale.ROOT));
  }

  static String persistenceId(int i) {
    return String.format("crash-%02d", i);
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    FlushMode mode = FlushMode.valueOf(args[1]);
    CompletableFuture.delayedExecutor(LIFETIME_MS, TimeUnit.MILLISECONDS)
        .execute(() -> Runtime.getRuntime().halt(3));
    MessageStore store = MessageStore.open(settings(dir, mode));
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread printer = new Thread(() -> print(lines), "printer");
    printer.start();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      new Thread(() -> write(store, thread, lines), "crash-writer-" + t).start();
    }
  }

  /** One printer, so lines never interleave and each is flushed before the next write is seen. */
  private static void print(BlockingQueue<String> lines) {
    List<String> drained = new ArrayList<>();
    try {
      while (true) {
        drained.add(lines.take());
        lines.drainTo(drained);
        for (String line : drained) {
          System.out.println(line);
        }
        System.out.flush();
        drained.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Each thread owns the ids {@code thread, thread + THREADS, ...}, so their sequence nrs never
   * race.
   */
  private static void write(MessageStore store, int thread, BlockingQueue<String> lines) {
    Semaphore inFlight = new Semaphore(IN_FLIGHT_PER_THREAD);
    long[] next = new long[IDS];
    Arrays.fill(next, 1);
    Random random = new Random(thread);
    int idsPerThread = IDS / THREADS;
    for (int n = 0; n < MAX_WRITES_PER_THREAD; n++) {
      int id = thread + THREADS * (n % idsPerThread);
      int count = 1 + random.nextInt(3);
      long first = next[id];
      next[id] += count;
      String persistenceId = persistenceId(id);
      long last = first + count - 1;
      inFlight.acquireUninterruptibly();
      store
          .append(FaultEvents.atomicWrite(persistenceId, first, count))
          .whenComplete(
              (ok, failure) -> {
                inFlight.release();
                lines.add(
                    failure == null
                        ? "OK " + persistenceId + " " + last
                        : "FAILED " + persistenceId + " " + last + " " + failure);
              });
    }
  }
}
