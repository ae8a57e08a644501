package io.sluice.persistence.store.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Wakes readers waiting for new events of a persistence id, or for the log end to reach a
 * position; the writer signals after it publishes, so live queries and replication never poll.
 *
 * <p>Thread-safety: any thread.
 */
public final class AppendNotifier {
  private final ConcurrentHashMap<String, List<CompletableFuture<Void>>> waiters =
      new ConcurrentHashMap<>();
  private final AtomicInteger waiting = new AtomicInteger();
  private final PositionWaiters ends = new PositionWaiters();
  private final Runnable endListener;

  /** @param endListener runs on the writer after each batch, once the log end moved */
  public AppendNotifier(Runnable endListener) {
    this.endListener = endListener;
  }

  /**
   * A future completed once {@code highest} exceeds {@code afterSequenceNr}; the check after
   * registering closes the race with a concurrent signal.
   */
  public CompletableFuture<Void> await(String persistenceId, long afterSequenceNr, LongSupplier highest) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    waiters.compute(
        persistenceId,
        (k, list) -> {
          List<CompletableFuture<Void>> l = list == null ? new ArrayList<>() : list;
          l.add(future);
          return l;
        });
    waiting.incrementAndGet();
    if (highest.getAsLong() > afterSequenceNr) {
      signal(persistenceId);
    }
    return future;
  }

  public boolean hasWaiters() {
    return waiting.get() > 0;
  }

  public void signal(String persistenceId) {
    List<CompletableFuture<Void>> list = waiters.remove(persistenceId);
    if (list != null) {
      waiting.addAndGet(-list.size());
      for (CompletableFuture<Void> f : list) {
        f.complete(null);
      }
    }
  }

  /** A future completed once {@code end} reaches {@code target}. */
  public CompletableFuture<Void> awaitEnd(long target, LongSupplier end) {
    return ends.await(target, end);
  }

  /** The writer: the log end moved to {@code end}. Cheap while nobody waits. */
  public void signalEnd(long end) {
    ends.signal(end);
    endListener.run();
  }

  /** Fails every waiter, e.g. when the store closes. */
  public void failAll(Throwable cause) {
    ends.failAll(cause);
    for (String id : List.copyOf(waiters.keySet())) {
      List<CompletableFuture<Void>> list = waiters.remove(id);
      if (list != null) {
        waiting.addAndGet(-list.size());
        list.forEach(f -> f.completeExceptionally(cause));
      }
    }
  }
}
