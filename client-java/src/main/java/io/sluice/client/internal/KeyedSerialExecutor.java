package io.sluice.client.internal;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs tasks on a pool so that tasks with the same key run one at a time, in the order they were
 * submitted, while tasks with different keys run in parallel. The orderly {@link PushConsumerImpl}
 * keys listener calls by message group.
 *
 * <p>A key's queued tasks run on the thread that ran its previous task, so a chain holds one pool
 * thread and never needs resubmitting. When the pool refuses a new chain (it is shutting down) the
 * chain runs on the caller's thread, so no task is lost.
 *
 * <p>Thread-safety: any thread.
 */
final class KeyedSerialExecutor {
  private final Executor pool;
  /** Keys with a running chain -> tasks waiting behind it. */
  private final Map<String, ArrayDeque<Runnable>> waiting = new HashMap<>(); // guarded by itself

  KeyedSerialExecutor(Executor pool) {
    this.pool = pool;
  }

  void execute(String key, Runnable task) {
    synchronized (waiting) {
      ArrayDeque<Runnable> queue = waiting.get(key);
      if (queue != null) {
        queue.add(task);
        return;
      }
      waiting.put(key, new ArrayDeque<>());
    }
    try {
      pool.execute(() -> runChain(key, task));
    } catch (RejectedExecutionException shuttingDown) {
      runChain(key, task);
    }
  }

  private void runChain(String key, Runnable first) {
    Runnable next = first;
    while (next != null) {
      try {
        next.run();
      } catch (RuntimeException e) {
        // one failed task must not stall its key: report it and go on with the next
        Thread t = Thread.currentThread();
        t.getUncaughtExceptionHandler().uncaughtException(t, e);
      }
      synchronized (waiting) {
        ArrayDeque<Runnable> queue = waiting.get(key);
        next = queue.poll();
        if (next == null) {
          waiting.remove(key);
        }
      }
    }
  }
}
