package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.BrokerBusyException;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.Producer;
import io.sluice.client.SendReceipt;
import io.sluice.client.SluiceClient;
import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ConsumeResponse;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.Credit;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Subscribe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer that grants no credit gets nothing, and 1 GiB produced to its topic meanwhile does
 * not pile up in the node's heap: the node runs with {@code -Xmx384m -XX:+ExitOnOutOfMemoryError},
 * must stay alive, acknowledge every send and report a used heap below the bound.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class BackpressureHeapTest {
  static final long HEAP_BOUND = 384L << 20;
  /** What may survive a collection: a third of the bound (about 35 MiB measured). */
  static final long LIVE_BOUND = 128L << 20;
  static final int BODY_SIZE = 64 * 1024;
  static final long TOTAL_BYTES = 1L << 30;
  static final int MESSAGES = (int) (TOTAL_BYTES / BODY_SIZE); // 16384

  @TempDir static Path tmp;
  static BrokerProcess node;
  static SluiceClient client;
  static RawGrpc raw;
  static Path gcLog;

  @BeforeAll
  static void start() {
    gcLog = tmp.resolve("gc.log");
    node = BrokerProcess.start(tmp.resolve("data"),
        "-Xmx384m", "-XX:+ExitOnOutOfMemoryError", "-Xlog:gc:file=" + gcLog);
    client = node.newClient();
    raw = new RawGrpc(node.grpcPort());
  }

  @AfterAll
  static void stop() throws Exception {
    Closer.closeAll(raw, client, node);
  }

  @Test
  void oneGibibyteToAConsumerWithoutCreditStaysOutOfTheHeap() throws Exception {
    String topic = "firehose";
    client.admin().createTopic(topic, 8, MessageType.NORMAL);

    // a consumer that subscribes and never grants credit (the push consumer cannot: its window is
    // at least 1), so the raw stream
    RawGrpc.ConsumeStream stalled = raw.openConsume();
    stalled.send(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
        .setGroup("stalled").setTopic(topic).setClientId("no-credit").setInvisibleDurationMs(60_000)
        .setFilter(FilterExpression.newBuilder().setExpression("*"))).build());
    Await.until("the stalled consumer is subscribed", Duration.ofSeconds(30),
        () -> stalled.count(ConsumeResponse.EventCase.SUBSCRIBED) == 1 || stalled.done.isDone());
    assertFalse(stalled.done.isDone(), "consume stream ended: " + stalled.done);

    // sample the node's heap with jcmd while producing
    AtomicBoolean sampling = new AtomicBoolean(true);
    AtomicLong maxUsed = new AtomicLong();
    List<String> samplingErrors = new ArrayList<>();
    List<Long> samples = new ArrayList<>();
    Thread sampler = new Thread(() -> {
      while (sampling.get()) {
        try {
          long used = node.heapUsedBytes();
          synchronized (samples) {
            samples.add(used);
          }
          maxUsed.accumulateAndGet(used, Math::max);
        } catch (RuntimeException e) {
          if (node.isAlive()) {
            samplingErrors.add(e.toString());
          }
        }
        for (int i = 0; i < 10 && sampling.get(); i++) {
          Await.pause();
        }
      }
    }, "heap-sampler");
    sampler.start();

    long startNanos = System.nanoTime();
    Map<String, SendReceipt> receipts = new HashMap<>();
    int busyRetries;
    try (Producer producer = client.newProducer()) {
      busyRetries = produce(producer, topic, receipts);
    } finally {
      sampling.set(false);
      sampler.join(TimeUnit.SECONDS.toMillis(90));
    }
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    System.out.printf("[it] produced %d x %d KiB = %d MiB in %.1f s (%.0f MiB/s), %d busy retries;"
            + " heap samples (MiB) %s%n", receipts.size(), BODY_SIZE / 1024, TOTAL_BYTES >> 20, seconds,
        (TOTAL_BYTES >> 20) / seconds, busyRetries, mib(samples));

    assertTrue(node.isAlive(), "the node died (OutOfMemoryError exits it): " + node.tail(30));
    assertEquals(MESSAGES, receipts.size(), "every send acknowledged");
    Map<Integer, Long> perQueue = new HashMap<>();
    receipts.values().forEach(r -> perQueue.merge(r.queueId(), 1L, Long::sum));
    Map<Integer, Long> maxOffset = new HashMap<>();
    receipts.values().forEach(r -> maxOffset.merge(r.queueId(), r.offset(), Math::max));
    perQueue.forEach((q, n) -> assertEquals(n - 1, maxOffset.get(q), "dense offsets in queue " + q));

    assertEquals(List.of(), stalled.deliveries(), "deliveries without credit");
    assertFalse(stalled.done.isDone(), "the stalled consume stream ended: " + stalled.done);

    assertTrue(samplingErrors.isEmpty(), "jcmd failed: " + samplingErrors);
    assertFalse(samples.isEmpty(), "no heap sample taken");
    assertTrue(maxUsed.get() < HEAP_BOUND,
        "used heap reached " + (maxUsed.get() >> 20) + " MiB, bound " + (HEAP_BOUND >> 20) + " MiB");
    String heapInfo = node.heapInfo();
    long usedNow = node.heapUsedBytes();
    System.out.println("[it] jcmd GC.heap_info after producing:\n" + heapInfo);
    assertTrue(usedNow < HEAP_BOUND, "used heap " + (usedNow >> 20) + " MiB");
    GcPeak gc = GcPeak.of(gcLog);
    System.out.println("[it] GC log: " + gc);
    assertTrue(gc.collections() > 0, "no collection logged in " + gcLog);
    assertTrue(gc.maxBeforeMib() << 20 < HEAP_BOUND, "heap before a GC reached " + gc.maxBeforeMib() + " MiB");
    // what survives collections is the node's working set, not the data that passed through it
    assertTrue(gc.maxAfterMib() << 20 < LIVE_BOUND, "the heap after a collection reached "
        + gc.maxAfterMib() + " MiB: the node retains produced data (" + gc + ")");

    // the stream still works: one credit brings exactly one delivery
    stalled.send(ConsumeRequest.newBuilder().setCredit(Credit.newBuilder().setMessages(1)).build());
    Await.until("a delivery after granting one credit", Duration.ofSeconds(30),
        () -> !stalled.deliveries().isEmpty() || stalled.done.isDone());
    assertFalse(stalled.done.isDone(), "stream ended: " + stalled.done);
    Delivery first = stalled.deliveries().get(0);
    assertTrue(receipts.containsKey(first.getMessage().getMessageId()));
    assertEquals(BODY_SIZE, first.getMessage().getBody().size());
    // a roundtrip on the same node after the grant, then still exactly one
    client.admin().describeTopic(topic);
    assertEquals(1, stalled.deliveries().size(), "deliveries beyond the one credit");
    stalled.close();
    assertTrue(node.isAlive());
  }

  /**
   * Sends {@link #MESSAGES} bodies of {@link #BODY_SIZE} with pipelined {@code sendAsync}, keeping
   * the pipeline full. A send refused as busy by the client's buffer waits for the oldest
   * outstanding send to be answered and is tried again; one the broker answers busy is sent again,
   * under its id, after the others.
   *
   * @return how many sends were refused as busy and retried
   */
  static int produce(Producer producer, String topic, Map<String, SendReceipt> receipts) {
    byte[] body = new byte[BODY_SIZE];
    new Random(42).nextBytes(body);
    ArrayDeque<Message> toSend = new ArrayDeque<>();
    ArrayDeque<Map.Entry<Message, CompletableFuture<SendReceipt>>> outstanding = new ArrayDeque<>();
    int[] busy = {0};
    int built = 0;
    while (built < MESSAGES || !toSend.isEmpty() || !outstanding.isEmpty()) {
      if (toSend.isEmpty() && built < MESSAGES) {
        byte[] label = String.format("%08d", built++).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(label, 0, body, 0, label.length);
        toSend.add(Message.builder().topic(topic).body(body).build());
      }
      Message next = toSend.poll();
      if (next == null) {
        settle(outstanding.poll(), receipts, toSend, busy);
        continue;
      }
      CompletableFuture<SendReceipt> f = producer.sendAsync(next).toCompletableFuture();
      if (f.isCompletedExceptionally() && isBusy(f)) {
        busy[0]++;
        toSend.addFirst(next);
        if (outstanding.isEmpty()) {
          Await.pause();
        } else {
          settle(outstanding.poll(), receipts, toSend, busy);
        }
        continue;
      }
      outstanding.add(Map.entry(next, f));
      while (!outstanding.isEmpty() && outstanding.peek().getValue().isDone()) {
        settle(outstanding.poll(), receipts, toSend, busy);
      }
    }
    return busy[0];
  }

  private static void settle(Map.Entry<Message, CompletableFuture<SendReceipt>> send,
      Map<String, SendReceipt> receipts, ArrayDeque<Message> toSend, int[] busy) {
    try {
      SendReceipt r = send.getValue().get(120, TimeUnit.SECONDS);
      receipts.put(r.messageId(), r);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof BrokerBusyException) {
        busy[0]++;
        toSend.add(send.getKey());
      } else {
        throw new AssertionError("send of " + send.getKey() + " failed", e.getCause());
      }
    } catch (Exception e) {
      throw new AssertionError("send of " + send.getKey() + " not answered", e);
    }
  }

  private static boolean isBusy(CompletableFuture<?> f) {
    try {
      f.join();
      return false;
    } catch (CompletionException e) {
      return e.getCause() instanceof BrokerBusyException;
    }
  }

  static String mib(List<Long> samples) {
    synchronized (samples) {
      return samples.stream().map(s -> Long.toString(s >> 20)).toList().toString();
    }
  }

  /** The largest heap occupancy before and after any collection, from {@code -Xlog:gc}. */
  record GcPeak(long maxBeforeMib, long maxAfterMib, int collections, String lastLine) {
    static final Pattern PAUSE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    static GcPeak of(Path log) throws java.io.IOException {
      long before = 0;
      long after = 0;
      int n = 0;
      String last = "";
      for (String line : Files.readAllLines(log)) {
        Matcher m = PAUSE.matcher(line);
        if (m.find()) {
          before = Math.max(before, Long.parseLong(m.group(1)));
          after = Math.max(after, Long.parseLong(m.group(2)));
          n++;
          last = line;
        }
      }
      return new GcPeak(before, after, n, last);
    }
  }
}
