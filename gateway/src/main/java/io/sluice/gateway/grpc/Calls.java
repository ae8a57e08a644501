package io.sluice.gateway.grpc;

import io.sluice.gateway.BrokerException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Runs a unary call so that every refusal reaches the client as status plus reason trailer. A
 * stack overflow is caught too: it ends this call only (no dispatcher thread sees it), while the
 * other errors of the JVM stay fatal.
 */
final class Calls {
  private Calls() {}

  static <T> CompletionStage<T> unary(Supplier<CompletionStage<T>> call) {
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (RuntimeException | StackOverflowError e) {
      return CompletableFuture.failedFuture(BrokerException.of(e).toGrpc());
    }
    return stage.handle((value, failure) -> {
      if (failure != null) {
        throw BrokerException.of(failure).toGrpc();
      }
      return value;
    });
  }
}
