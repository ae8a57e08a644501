package io.sluice.gateway.consume;

import io.sluice.actors.consume.GroupQueue;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.ItemStatus;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.ReceiptResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Ack, nack and renew by receipt handle, answered per handle, on streams and unary calls alike. */
public final class ReceiptSettler {
  private ReceiptSettler() {}

  public static ReceiptResult ok(String handle) {
    return ReceiptResult.newBuilder().setReceiptHandle(handle).setStatus(ItemStatus.getDefaultInstance()).build();
  }

  /** Acks deliveries of one queue: the gateway's call to its group state. */
  @FunctionalInterface
  public interface QueueAcks {
    CompletionStage<GroupQueue.Acked> ack(int queueId, List<GroupQueue.Receipt> receipts);
  }

  /**
   * Acks {@code handles} of {@code topic} with one call per queue they name. Never fails: one
   * result per handle, in order; a malformed, refused or failed handle carries its reason, and a
   * handle {@code epochs} refuses (an earlier epoch) reaches no queue.
   */
  public static CompletableFuture<List<ReceiptResult>> ackAll(
      List<String> handles, TopicConfig topic, ReceiptEpochs epochs, QueueAcks acks) {
    ReceiptResult[] results = new ReceiptResult[handles.size()];
    Map<Integer, List<Integer>> indexesByQueue = new HashMap<>();
    Map<Integer, List<GroupQueue.Receipt>> receiptsByQueue = new HashMap<>();
    for (int i = 0; i < handles.size(); i++) {
      try {
        ReceiptHandle h = epochs.decode(handles.get(i), topic);
        indexesByQueue.computeIfAbsent(h.queueId(), q -> new ArrayList<>()).add(i);
        receiptsByQueue.computeIfAbsent(h.queueId(), q -> new ArrayList<>())
            .add(new GroupQueue.Receipt(h.offset(), h.nonce()));
      } catch (BrokerException e) {
        results[i] = failed(handles.get(i), e);
      }
    }
    // Each call fills its own indexes; allOf orders those writes before the final read.
    CompletableFuture<?>[] calls = indexesByQueue.entrySet().stream().map(byQueue -> {
      int queueId = byQueue.getKey();
      List<Integer> indexes = byQueue.getValue();
      List<GroupQueue.Receipt> receipts = receiptsByQueue.get(queueId);
      return acks.ack(queueId, receipts).toCompletableFuture().handle((acked, failure) -> {
        Set<Integer> refused = failure == null ? Set.copyOf(acked.refused()) : Set.of();
        for (int k = 0; k < indexes.size(); k++) {
          String handle = handles.get(indexes.get(k));
          if (failure != null) {
            results[indexes.get(k)] = failed(handle, BrokerException.of(failure));
          } else if (refused.contains(k)) {
            results[indexes.get(k)] = failed(handle, BrokerException.invalid(Reason.INVALID_RECEIPT,
                GroupQueue.notCurrent(topic.queueEntityId(queueId), receipts.get(k).offset())));
          } else {
            results[indexes.get(k)] = ok(handle);
          }
        }
        return null;
      });
    }).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(calls).thenApply(done -> List.of(results));
  }

  private static ReceiptResult failed(String handle, BrokerException e) {
    return ReceiptResult.newBuilder().setReceiptHandle(handle).setStatus(e.toItemStatus()).build();
  }

  /**
   * Decodes {@code handle} for {@code topic} and runs {@code call} on it. Never fails: a malformed
   * handle, one from an earlier epoch (not run) or a refusal becomes a {@link ReceiptResult}
   * carrying the reason.
   */
  public static CompletableFuture<ReceiptResult> settle(String handle, TopicConfig topic, ReceiptEpochs epochs,
      Function<ReceiptHandle, CompletionStage<ReceiptResult>> call) {
    CompletionStage<ReceiptResult> stage;
    try {
      stage = call.apply(epochs.decode(handle, topic));
    } catch (BrokerException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    return stage.toCompletableFuture().exceptionally(failure -> failed(handle, BrokerException.of(failure)));
  }
}
