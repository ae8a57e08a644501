package io.sluice.gateway.consume;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.ItemStatus;
import io.sluice.protocol.v1.ReceiptResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Ack, nack and renew by receipt handle, answered per handle, on streams and unary calls alike. */
public final class ReceiptResults {
  private ReceiptResults() {}

  public static ReceiptResult ok(String handle) {
    return ReceiptResult.newBuilder().setReceiptHandle(handle).setStatus(ItemStatus.getDefaultInstance()).build();
  }

  /**
   * Decodes {@code handle} for {@code topic} and runs {@code call} on it. Never fails: a malformed
   * handle or a refusal becomes a {@link ReceiptResult} carrying the reason.
   */
  public static CompletableFuture<ReceiptResult> settle(
      String handle, TopicConfig topic, Function<ReceiptHandle, CompletionStage<ReceiptResult>> call) {
    CompletionStage<ReceiptResult> stage;
    try {
      stage = call.apply(ReceiptHandle.decode(handle, topic));
    } catch (BrokerException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    return stage.toCompletableFuture().exceptionally(failure -> ReceiptResult.newBuilder()
        .setReceiptHandle(handle).setStatus(BrokerException.of(failure).toItemStatus()).build());
  }
}
