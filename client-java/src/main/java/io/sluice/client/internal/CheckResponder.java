package io.sluice.client.internal;

import io.sluice.client.TransactionCheck;
import io.sluice.client.TransactionChecker;
import io.sluice.client.TransactionResolution;
import io.sluice.protocol.v1.EndTransactionRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.event.LoggingAdapter;

/**
 * Answers check-backs: runs the application's {@link TransactionChecker} for each check on threads
 * of its own (never on the stream's thread, which a slow checker would stall) and sends the answer
 * with {@code EndTransaction(from_check)}, naming the checked queue. A checker that throws or
 * returns null answers UNKNOWN, so the broker asks again after its check interval instead of
 * counting the failure as an outcome. Thread-safe.
 */
final class CheckResponder {
  private final ClientContext context;
  private final TransactionChecker checker;
  private final ThreadPoolExecutor threads;
  private final LoggingAdapter log;

  /**
   * Creates the responder and its threads.
   *
   * @param context the client
   * @param checker the application's checker
   * @param threadCount checks run at once
   * @param producerGroup names the threads
   */
  CheckResponder(
      ClientContext context, TransactionChecker checker, int threadCount, String producerGroup) {
    this.context = context;
    this.checker = checker;
    this.log = context.log(CheckResponder.class);
    this.threads =
        new ThreadPoolExecutor(
            threadCount,
            threadCount,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            Threads.daemonFactory("sluice-txn-checker-" + producerGroup));
  }

  /**
   * Hands a check to a checker thread; returns at once.
   *
   * @param check the broker's check
   */
  void onCheck(io.sluice.protocol.v1.TransactionCheck check) {
    try {
      threads.execute(() -> answer(check));
    } catch (RejectedExecutionException closing) {
      // the broker asks again, this producer or another of the group
      log.debug("producer closing; check of transaction {} dropped", check.getTransaction());
    }
  }

  /**
   * Stops taking checks and waits for the running ones.
   *
   * @param timeout the most to wait
   */
  void close(Duration timeout) {
    threads.shutdown();
    try {
      if (!threads.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warning("transaction checkers still running after {}; interrupting them", timeout);
        threads.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      threads.shutdownNow();
    }
  }

  private void answer(io.sluice.protocol.v1.TransactionCheck check) {
    TransactionResolution resolution = decide(TransactionProtos.checkFromProto(check));
    EndTransactionRequest request =
        TransactionProtos.endRequest(
            check.getTransaction(), resolution, List.of(check.getQueue()), true);
    context
        .retrier()
        .call(ep -> ep.messaging().endTransaction(request))
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                log.warning(
                    "answer {} to the check of transaction {} failed; the broker asks again: {}",
                    resolution,
                    check.getTransaction().getTransactionId(),
                    ErrorMapper.fromThrowable(failure).getMessage());
              }
            });
  }

  private TransactionResolution decide(TransactionCheck check) {
    try {
      TransactionResolution r = checker.check(check);
      return r == null ? TransactionResolution.UNKNOWN : r;
    } catch (Throwable t) {
      log.warning(
          "transaction checker failed on transaction {} (check {}); answering UNKNOWN: {}",
          check.transactionId(),
          check.checkCount(),
          t.toString());
      return TransactionResolution.UNKNOWN;
    }
  }
}
