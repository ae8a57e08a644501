package io.sluice.persistence.store.faults;

import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.RawChunk;
import io.sluice.persistence.store.StoreRole;
import io.sluice.persistence.store.StoreSettings;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The child process of {@link ReplicaKillTest}: copies a (closed) master store into a replica
 * store chunk by chunk with {@code readRaw}/{@code appendRaw}, printing {@code COPIED <end>} after
 * each chunk is written, until it is killed (or prints {@code DONE} when caught up).
 *
 * <p>Usage: {@code ReplicaCopier <master dir> <replica dir>}.
 */
public final class ReplicaCopier {
  static final int CHUNK_BYTES = 4096;

  /** The child exits on its own after this, in case its parent died. */
  private static final long LIFETIME_MS = 45_000;

  private ReplicaCopier() {}

  /** Small segments so the copy crosses rolls; frequent checkpoints so recovery starts from one. */
  static StoreSettings settings(Path dir) {
    return StoreSettings.of(dir, "segment-size = 256 KiB\n"
        + "flush-mode = async\n"
        + "checkpoint-interval = 100 ms\n"
        + "consume-queue.entries-per-file = 256\n");
  }

  public static void main(String[] args) throws Exception {
    CompletableFuture.delayedExecutor(LIFETIME_MS, TimeUnit.MILLISECONDS)
        .execute(() -> Runtime.getRuntime().halt(3));
    try (MessageStore master = MessageStore.open(settings(Path.of(args[0])));
        MessageStore replica = MessageStore.open(settings(Path.of(args[1])))) {
      replica.setRole(StoreRole.REPLICA);
      long position = replica.confirmedPosition();
      while (true) {
        RawChunk chunk = master.readRaw(position, CHUNK_BYTES);
        if (!chunk.bytes().hasRemaining()) {
          if (chunk.nextPosition() == position) {
            break;
          }
          position = chunk.nextPosition();
          continue;
        }
        position = replica.appendRaw(chunk.position(), chunk.bytes()).get();
        System.out.println("COPIED " + position);
        System.out.flush();
      }
    }
    System.out.println("DONE");
    System.out.flush();
  }
}
