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

/** Batching by size and linger, with a hand-driven linger timer. */
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

  Batcher batcher(int batchSizeBytes, long lingerNanos) {
    return new Batcher(batchSizeBytes, lingerNanos, timer, emitted::add);
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
    assertEquals(800, emitted.get(0).sizeBytes());
  }

  @Test
  void emitsAtOnceWhenTheBatchReachesItsSize() {
    Batcher b = batcher(1000, LINGER_NANOS);
    b.add(msg(0), 500, future());
    b.add(msg(1), 500, future());
    assertEquals(1, emitted.size());
    assertEquals(1000, emitted.get(0).sizeBytes());
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
    assertEquals(5000, emitted.get(1).sizeBytes());
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

  @Test
  void closeFlushesAndRefusesFurtherMessages() {
    Batcher b = batcher(1000, LINGER_NANOS);
    b.add(msg(0), 100, future());
    b.close();
    assertEquals(1, emitted.size());
    assertFalse(b.add(msg(1), 100, future()));
    b.flush();
    assertEquals(1, emitted.size());
  }
}
