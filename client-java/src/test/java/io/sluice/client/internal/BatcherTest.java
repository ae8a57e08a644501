package io.sluice.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.client.SendReceipt;
import io.sluice.protocol.v1.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Batching by size, linger and sink room, with a hand-driven linger timer. */
class BatcherTest {
  static final long LINGER_NANOS = 1_000_000;

  /** Records linger tasks; the test fires them. */
  static final class ManualTimer implements Batcher.LingerTimer {
    final List<Runnable> tasks = new ArrayList<>();
    final List<Boolean> cancelled = new ArrayList<>();
    final List<Long> delays = new ArrayList<>();

    @Override
    public Runnable schedule(long delayNanos, Runnable task) {
      int i = tasks.size();
      tasks.add(task);
      cancelled.add(false);
      delays.add(delayNanos);
      return () -> cancelled.set(i, true);
    }

    void fire(int i) {
      tasks.get(i).run();
    }
  }

  final ManualTimer timer = new ManualTimer();
  final List<Batch> emitted = new ArrayList<>();
  boolean sinkHasRoom = true;

  Batcher batcher(int batchSizeBytes, long lingerNanos) {
    return new Batcher(batchSizeBytes, lingerNanos, timer, () -> sinkHasRoom, emitted::add);
  }

  static Message msg(int i) {
    return Message.newBuilder()
        .setTopic("t")
        .setMessageId("id-" + i)
        .setBody(ByteString.copyFromUtf8("x"))
        .build();
  }

  static CompletableFuture<SendReceipt> future() {
    return new CompletableFuture<>();
  }

  @Test
  void emitsWhenTheNextMessageWouldExceedTheBatchSize() {
    Batcher b = batcher(1000, LINGER_NANOS);
    b.add(msg(0), 400, future());
    b.add(msg(1), 400, future());
    assertEquals(0, emitted.size());
    b.add(msg(2), 400, future());
    assertEquals(1, emitted.size());
    assertEquals(2, emitted.get(0).request().getMessagesCount());
    assertEquals(800, emitted.get(0).bufferedBytes());
  }

  @Test
  void emitsAtOnceWhenTheBatchReachesItsSize() {
    Batcher b = batcher(1000, LINGER_NANOS);
    b.add(msg(0), 500, future());
    b.add(msg(1), 500, future());
    assertEquals(1, emitted.size());
    assertEquals(1000, emitted.get(0).bufferedBytes());
    assertTrue(timer.cancelled.get(0), "the linger of an emitted batch is cancelled");
  }

  @Test
  void emitsAPartialBatchWhenTheLingerExpires() {
    Batcher b = batcher(1000, LINGER_NANOS);
    b.add(msg(0), 100, future());
    b.add(msg(1), 100, future());
    assertEquals(1, timer.tasks.size(), "one linger per batch, started by its first message");
    assertEquals(LINGER_NANOS, timer.delays.get(0));
    assertEquals(0, emitted.size());
    timer.fire(0);
    assertEquals(1, emitted.size());
    assertEquals(2, emitted.get(0).request().getMessagesCount());
  }

  @Test
  void aLateLingerOfAnEmittedBatchDoesNotCutTheNextOne() {
    Batcher b = batcher(1000, LINGER_NANOS);
    b.add(msg(0), 600, future());
    b.add(msg(1), 600, future()); // emits batch 0 by size, starts batch 1 with its own linger
    assertEquals(1, emitted.size());
    timer.fire(0); // batch 0's timer firing late (cancel raced with expiry)
    assertEquals(1, emitted.size());
    timer.fire(1);
    assertEquals(2, emitted.size());
    assertEquals("id-1", emitted.get(1).request().getMessages(0).getMessageId());
  }

  @Test
  void aMessageLargerThanTheBatchSizeTravelsAlone() {
    Batcher b = batcher(1000, LINGER_NANOS);
    b.add(msg(0), 100, future());
    b.add(msg(1), 5000, future());
    assertEquals(2, emitted.size());
    assertEquals(1, emitted.get(0).request().getMessagesCount());
    assertEquals(1, emitted.get(1).request().getMessagesCount());
    assertEquals(5000, emitted.get(1).bufferedBytes());
  }

  @Test
  void zeroLingerSendsEveryMessageAtOnce() {
    Batcher b = batcher(1000, 0);
    b.add(msg(0), 10, future());
    b.add(msg(1), 10, future());
    assertEquals(2, emitted.size());
    assertEquals(0, timer.tasks.size());
  }

  @Test
  void batchesKeepMessagesAndFuturesInSendOrder() {
    Batcher b = batcher(350, LINGER_NANOS);
    List<CompletableFuture<SendReceipt>> futures = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      CompletableFuture<SendReceipt> f = future();
      futures.add(f);
      b.add(msg(i), 100, f);
    }
    b.flush();
    int i = 0;
    for (Batch batch : emitted) {
      for (int k = 0; k < batch.request().getMessagesCount(); k++, i++) {
        assertEquals("id-" + i, batch.request().getMessages(k).getMessageId());
        assertSame(futures.get(i), batch.futures().get(k));
      }
    }
    assertEquals(10, i);
    assertEquals(4, emitted.size(), "3 + 3 + 3 by size, 1 by flush");
  }

  static List<CompletableFuture<SendReceipt>> futures(int n) {
    List<CompletableFuture<SendReceipt>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(future());
    }
    return futures;
  }

  /** Nothing has left while the sink was full; once it has room, all leave as one batch. */
  void assertLeaveTogetherOnceTheSinkHasRoom(Batcher b, int messages) {
    assertEquals(0, emitted.size(), "left without room");
    sinkHasRoom = true;
    b.sinkHasRoom();
    assertEquals(1, emitted.size());
    assertEquals(messages, emitted.get(0).request().getMessagesCount());
  }

  @Test
  void syncMessagesLeaveAtOnceWithoutLingerWhenTheSinkHasRoom() {
    Batcher b = batcher(1000, LINGER_NANOS);
    b.addSync(List.of(msg(0), msg(1)), new int[] {10, 10}, futures(2));
    assertEquals(1, emitted.size());
    assertEquals(2, emitted.get(0).request().getMessagesCount(), "a list leaves as one batch");
    assertEquals(0, timer.tasks.size(), "no linger is scheduled for waiting senders");
    assertEquals(0, emitted.get(0).bufferedBytes(), "sync sends are outside the byte budget");
  }

  @Test
  void syncMessagesTakeALingeringBatchAlong() {
    Batcher b = batcher(1000, LINGER_NANOS);
    b.add(msg(0), 100, future());
    b.addSync(List.of(msg(1)), new int[] {10}, futures(1));
    assertEquals(1, emitted.size());
    assertEquals(2, emitted.get(0).request().getMessagesCount());
    assertEquals(100, emitted.get(0).bufferedBytes());
    assertTrue(timer.cancelled.get(0));
  }

  @Test
  void whileTheSinkIsFullMessagesGatherAndLeaveTogetherWhenItHasRoom() {
    Batcher b = batcher(1000, LINGER_NANOS);
    sinkHasRoom = false;
    b.addSync(List.of(msg(0)), new int[] {10}, futures(1));
    b.addSync(List.of(msg(1)), new int[] {10}, futures(1));
    b.add(msg(2), 10, future());
    b.sinkHasRoom();
    assertLeaveTogetherOnceTheSinkHasRoom(b, 3);
    for (int i = 0; i < 3; i++) {
      assertEquals("id-" + i, emitted.get(0).request().getMessages(i).getMessageId());
    }
  }

  @Test
  void aBatchWhoseLingerExpiredWithoutRoomKeepsGathering() {
    Batcher b = batcher(1000, LINGER_NANOS);
    sinkHasRoom = false;
    b.add(msg(0), 10, future());
    timer.fire(0);
    b.add(msg(1), 10, future());
    assertLeaveTogetherOnceTheSinkHasRoom(b, 2);
  }

  @Test
  void roomDoesNotCutABatchThatIsStillLingering() {
    Batcher b = batcher(1000, LINGER_NANOS);
    b.add(msg(0), 10, future());
    b.sinkHasRoom();
    assertEquals(0, emitted.size());
  }

  @Test
  void aFullBatchLeavesEvenWithoutRoom() {
    Batcher b = batcher(1000, LINGER_NANOS);
    sinkHasRoom = false;
    b.addSync(List.of(msg(0), msg(1)), new int[] {600, 600}, futures(2));
    assertEquals(1, emitted.size(), "the first message was cut off by size");
    assertEquals(1, emitted.get(0).request().getMessagesCount());
  }

  @Test
  void zeroLingerGathersWhileTheSinkIsFull() {
    Batcher b = batcher(1000, 0);
    sinkHasRoom = false;
    b.add(msg(0), 10, future());
    b.add(msg(1), 10, future());
    assertLeaveTogetherOnceTheSinkHasRoom(b, 2);
  }

  @Test
  void closeFlushesAndRefusesFurtherMessages() {
    Batcher b = batcher(1000, LINGER_NANOS);
    b.add(msg(0), 100, future());
    b.close();
    assertEquals(1, emitted.size());
    assertFalse(b.add(msg(1), 100, future()));
    assertFalse(b.addSync(List.of(msg(2)), new int[] {100}, futures(1)));
    b.flush();
    assertEquals(1, emitted.size());
  }
}
