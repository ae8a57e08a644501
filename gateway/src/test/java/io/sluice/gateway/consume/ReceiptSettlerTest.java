package io.sluice.gateway.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.actors.consume.GroupQueue;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.ReceiptResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.pattern.AskTimeoutException;
import org.junit.jupiter.api.Test;

class ReceiptSettlerTest {
  private static final TopicConfig TOPIC = new TopicConfig("t", 4, MessageType.NORMAL, 0);

  private static String handle(int queueId, long offset) {
    return new ReceiptHandle(queueId, 0, offset, 1000 + offset).encode();
  }

  @Test
  void acksEachQueueOnceAndAnswersEveryHandleInOrder() throws Exception {
    List<String> handles = List.of(
        handle(1, 10), "not-a-handle", handle(2, 20), handle(1, 11), handle(3, 30), handle(1, 12));
    Map<Integer, List<GroupQueue.Receipt>> calls = new TreeMap<>();
    CompletableFuture<List<ReceiptResult>> results = ReceiptSettler.ackAll(handles, TOPIC, ReceiptEpochs.NONE, (queueId, receipts) -> {
      calls.put(queueId, receipts);
      return switch (queueId) {
        // queue 1 refuses its second receipt (offset 11)
        case 1 -> CompletableFuture.completedFuture(new GroupQueue.Acked(List.of(1)));
        // queue 3 does not answer in time
        case 3 -> CompletableFuture.failedFuture(new AskTimeoutException("queue 3 did not answer"));
        default -> CompletableFuture.completedFuture(new GroupQueue.Acked(List.of()));
      };
    });

    assertEquals(Map.of(
            1, List.of(new GroupQueue.Receipt(10, 1010), new GroupQueue.Receipt(11, 1011), new GroupQueue.Receipt(12, 1012)),
            2, List.of(new GroupQueue.Receipt(20, 1020)),
            3, List.of(new GroupQueue.Receipt(30, 1030))),
        calls, "one call per queue, receipts in handle order");
    List<ReceiptResult> got = results.get(10, TimeUnit.SECONDS);
    assertEquals(handles, got.stream().map(ReceiptResult::getReceiptHandle).toList(), "one result per handle, in order");
    List<Integer> reasons = new ArrayList<>();
    got.forEach(r -> reasons.add(r.getStatus().getReasonValue()));
    assertEquals(List.of(
            Reason.REASON_UNSPECIFIED_VALUE, Reason.INVALID_RECEIPT_VALUE, Reason.REASON_UNSPECIFIED_VALUE,
            Reason.INVALID_RECEIPT_VALUE, reasons.get(4), Reason.REASON_UNSPECIFIED_VALUE),
        reasons);
    assertEquals(0, got.get(0).getStatus().getCode());
    assertEquals(0, got.get(2).getStatus().getCode());
    assertEquals(0, got.get(5).getStatus().getCode());
    assertTrue(got.get(3).getStatus().getMessage().contains("offset 11 of t/1 is not current"),
        got.get(3).getStatus().getMessage());
    assertTrue(got.get(4).getStatus().getCode() != 0, "the unanswered queue's handle fails");
  }

  @Test
  void nothingToAckAnswersNothing() throws Exception {
    assertEquals(List.of(), ReceiptSettler.ackAll(List.of(), TOPIC, ReceiptEpochs.NONE, (queueId, receipts) -> {
      throw new AssertionError("no call expected");
    }).get(10, TimeUnit.SECONDS));
  }
}
