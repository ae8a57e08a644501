package io.sluice.gateway.consume;

import io.sluice.actors.consume.GroupQueue;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.GatewaySettings;
import io.sluice.protocol.v1.ReceiveRequest;
import io.sluice.protocol.v1.ReceiveResponse;
import io.sluice.protocol.v1.Reason;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The long-polling {@code Receive}: pull from the topic's queues in turn (starting at a rotating
 * queue, so concurrent receivers spread out); if none has a message, ask every queue to say when
 * one arrives and try again, until {@code wait_ms} passes. A reply holds at most {@code maxBatchBytes}
 * of messages (a single larger one goes alone), and only the messages it holds are made invisible:
 * each queue is asked for what is left of both bounds.
 *
 * <p>Thread-safety: any thread.
 */
public final class ReceivePath {
  private final TopicCatalog catalog;
  private final GroupQueues groups;
  private final long maxBatchBytes;
  private final AtomicInteger rotation = new AtomicInteger();

  public ReceivePath(TopicCatalog catalog, GroupQueues groups, long maxBatchBytes) {
    this.catalog = catalog;
    this.groups = groups;
    this.maxBatchBytes = maxBatchBytes;
  }

  public CompletionStage<ReceiveResponse> receive(ReceiveRequest request) {
    Subscription sub = Subscription.check(
        catalog, request.getGroup(), request.getTopic(), request.getFilter(), request.getInvisibleDurationMs());
    if (request.getMaxMessages() < 1 || request.getMaxMessages() > GatewaySettings.MAX_RECEIVE_MESSAGES) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "max_messages " + request.getMaxMessages() + " is outside 1 .. " + GatewaySettings.MAX_RECEIVE_MESSAGES);
    }
    if (request.getWaitMs() < 0 || request.getWaitMs() > GatewaySettings.MAX_RECEIVE_WAIT.toMillis()) {
      throw BrokerException.invalid(Reason.INVALID_ARGUMENT,
          "wait_ms " + request.getWaitMs() + " is outside 0 .. " + GatewaySettings.MAX_RECEIVE_WAIT.toMillis());
    }
    long deadline = System.currentTimeMillis() + request.getWaitMs();
    return attempt(sub, request.getMaxMessages(), deadline);
  }

  private CompletionStage<ReceiveResponse> attempt(Subscription sub, int max, long deadline) {
    int start = Math.floorMod(rotation.getAndIncrement(), sub.topic().queueCount());
    return pullRound(sub, ReceiveResponse.newBuilder(), 0, max, start, 0)
        .thenCompose(response -> {
          long left = deadline - System.currentTimeMillis();
          if (response.getDeliveriesCount() > 0 || left <= 0) {
            return CompletableFuture.completedFuture(response.build());
          }
          return awaitAny(sub, deadline, left).thenCompose(woken -> attempt(sub, max, deadline));
        });
  }

  /**
   * Pulls queue {@code start + step}, then the next, until {@code max} messages, {@link #maxBatchBytes}
   * or every queue asked; {@code bytes} is what the response holds so far.
   */
  private CompletionStage<ReceiveResponse.Builder> pullRound(
      Subscription sub, ReceiveResponse.Builder response, long bytes, int max, int start, int step) {
    int queues = sub.topic().queueCount();
    int wanted = max - response.getDeliveriesCount();
    long bytesLeft = maxBatchBytes - GatewaySettings.REPLY_OVERHEAD_BYTES - bytes;
    boolean empty = response.getDeliveriesCount() == 0;
    if (wanted == 0 || step == queues || (!empty && bytesLeft <= 0)) {
      return CompletableFuture.completedFuture(response);
    }
    int queueId = (start + step) % queues;
    return groups.pull(sub.group(), sub.topic().name(), queueId, wanted, bytesLeft, empty, sub.invisibleMs(),
            sub.filter(), sub.ordered())
        .exceptionally(failure -> {
          // an unavailable queue is passed over: the others still serve the receive
          if (BrokerException.of(failure).reason() == Reason.QUEUE_UNAVAILABLE) {
            return new GroupQueue.Pulled(List.of());
          }
          throw BrokerException.of(failure);
        })
        .thenCompose(pulled -> {
          long total = bytes;
          for (GroupQueue.Delivered d : pulled.deliveries()) {
            response.addDeliveries(groups.toDelivery(sub.topic(), d));
            total += GroupQueue.wireSize(d.message());
          }
          return pullRound(sub, response, total, max, start, step + 1);
        });
  }

  /** Completes when any queue reports a message, or after {@code leftMs}. */
  private CompletionStage<Boolean> awaitAny(Subscription sub, long deadline, long leftMs) {
    CompletableFuture<Boolean> woken = new CompletableFuture<>();
    for (int queueId = 0; queueId < sub.topic().queueCount(); queueId++) {
      groups.whenAvailable(sub.group(), sub.topic().name(), queueId, deadline)
          .thenAccept(available -> woken.complete(true));
    }
    return woken.completeOnTimeout(false, leftMs, TimeUnit.MILLISECONDS);
  }
}
