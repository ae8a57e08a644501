package io.sluice.gateway;

import java.util.concurrent.ForkJoinPool;

/**
 * On a machine with 2 CPUs the JDK's common pool gets parallelism 1, and {@code
 * CompletableFuture} then runs every async continuation on a new thread. Pekko's asks and
 * pekko-grpc hand out such futures, so the broker would start a thread per message (measured:
 * about 32,000 thread starts in 15 s while consumers drained a backlog). This raises the common
 * pool's parallelism to at least 2 unless the operator set it.
 */
final class CommonPool {
  static final String PROPERTY = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private CommonPool() {}

  /** Must run before anything touches the common pool: first thing in {@code main}. */
  static void ensureParallel() {
    if (System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
  }

  static int parallelism() {
    return ForkJoinPool.getCommonPoolParallelism();
  }
}
