package io.sluice.persistence.store.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Wakes readers waiting for new events of a persistence id; the writer signals after it
 * publishes, so live queries never poll.
 *
 * <p>Thread-safety: any thread.
 */
public final class AppendNotifier {
  private final ConcurrentHashMap<String, List<CompletableFuture<Void>>> waiters =
      new ConcurrentHashMap<>();
  private final AtomicInteger waiting = new AtomicInteger();

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

  /** Fails every waiter, e.g. when the store closes. */
  public void failAll(Throwable cause) {
    for (String id : List.copyOf(waiters.keySet())) {
      List<CompletableFuture<Void>> list = waiters.remove(id);
      if (list != null) {
        waiting.addAndGet(-list.size());
        list.forEach(f -> f.completeExceptionally(cause));
      }
    }
  }
}
