package io.sluice.gateway.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.ReceiptResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReceiptEpochsTest {
  /** queue 0 in replicated group g1, queue 1 in g2 (not replicated: epoch 0), queue 2 unplaced */
  private static final TopicConfig TOPIC = new TopicConfig("t", 3, MessageType.NORMAL, 0)
      .withQueueGroups(List.of("g1", "g2", ""));

  private final Map<String, Long> epochs = new HashMap<>(Map.of("g1", 3L, "g2", 0L));
  private final ReceiptEpochs receipts = new ReceiptEpochs(epochs::get);

  @Test
  void aDeliveryCarriesItsGroupsEpochAtDelivery() {
    assertEquals(new ReceiptHandle(0, 3, 10, 5), receipts.issue(TOPIC, 0, 10, 5));
    assertEquals(new ReceiptHandle(1, 0, 10, 5), receipts.issue(TOPIC, 1, 10, 5));
    assertEquals(new ReceiptHandle(2, 0, 10, 5), receipts.issue(TOPIC, 2, 10, 5));
  }

  @Test
  void aHandleOfAnEarlierEpochIsRefusedSayingSo() {
    String before = receipts.issue(TOPIC, 0, 10, 5).encode();
    assertEquals(new ReceiptHandle(0, 3, 10, 5), receipts.decode(before, TOPIC));
    epochs.put("g1", 4L);
    BrokerException e = assertThrows(BrokerException.class, () -> receipts.decode(before, TOPIC));
    assertEquals(Reason.INVALID_RECEIPT, e.reason());
    assertTrue(e.getMessage().contains("issued under epoch 3 of broker group 'g1', which is now at epoch 4 after a"
        + " failover: the message will be delivered again"), e.getMessage());
    String after = receipts.issue(TOPIC, 0, 10, 6).encode();
    assertEquals(new ReceiptHandle(0, 4, 10, 6), receipts.decode(after, TOPIC));
  }

  @Test
  void aLaterEpochThanThisNodeKnowsAndAVersionOneHandleAreLeftToTheQueue() {
    String later = new ReceiptHandle(0, 9, 10, 5).encode();
    assertEquals(9, receipts.decode(later, TOPIC).epoch());
    String v1 = new ReceiptHandle(0, ReceiptHandle.UNKNOWN_EPOCH, 10, 5).encode();
    assertEquals(ReceiptHandle.UNKNOWN_EPOCH, receipts.decode(v1, TOPIC).epoch());
  }

  @Test
  void anAckOfAnEarlierEpochNeverReachesTheQueue() throws Exception {
    String stale = receipts.issue(TOPIC, 0, 10, 5).encode();
    epochs.put("g1", 4L);
    String fresh = receipts.issue(TOPIC, 0, 10, 6).encode();
    List<Long> asked = new ArrayList<>();
    List<ReceiptResult> results = ReceiptSettler.ackAll(List.of(stale, fresh), TOPIC, receipts, (queueId, r) -> {
      r.forEach(receipt -> asked.add(receipt.nonce()));
      return CompletableFuture.completedFuture(new io.sluice.actors.consume.GroupQueue.Acked(List.of()));
    }).get(10, TimeUnit.SECONDS);
    assertEquals(List.of(6L), asked, "only the fresh receipt reaches the queue");
    assertEquals(Reason.INVALID_RECEIPT_VALUE, results.get(0).getStatus().getReasonValue());
    assertEquals(0, results.get(1).getStatus().getCode());

    List<ReceiptHandle> nacked = new ArrayList<>();
    ReceiptResult nack = ReceiptSettler.settle(stale, TOPIC, receipts, h -> {
      nacked.add(h);
      return CompletableFuture.completedFuture(ReceiptSettler.ok(stale));
    }).get(10, TimeUnit.SECONDS);
    assertEquals(List.of(), nacked, "a nack or renew of an earlier epoch is not run");
    assertEquals(Reason.INVALID_RECEIPT_VALUE, nack.getStatus().getReasonValue());
  }
}
