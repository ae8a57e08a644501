package io.sluice.bench.e2e;

import io.sluice.client.Message;
import io.sluice.client.Producer;
import io.sluice.client.ProducerSettings;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The producing side of a scenario: closed-loop, or for pipelined producers paced to a total rate
 * (open-loop; the latency stamp is the actual send time, no coordinated-omission correction).
 *
 * <ul>
 *   <li>{@link #sync}: {@code threads} threads share one producer of one client (one connection),
 *       each calling {@link Producer#send(Message)} (unary {@code Send}) in a loop.
 *   <li>{@link #pipelined}: {@code producers} producers, each with its own client (connection) and
 *       one thread calling {@link Producer#sendAsync} in a loop; when the producer's buffer is
 *       full the call blocks ({@code maxBlock} 60 s), as Kafka's producer does.
 * </ul>
 *
 * <p>Every message is stamped with {@code nanoTime()} taken before it is built; the ack latency is
 * from that stamp to the receipt (for {@code sendAsync}: to the completion of its stage, so it
 * includes any wait for buffer space and for the linger).
 */
final class ProducerLoad {
  /** A paced producer behind schedule sends at most this much of the backlog at full speed. */
  private static final long MAX_CATCH_UP_NANOS = 10_000_000;

  private final String topic;
  private final int messageSize;
  private final List<SluiceClient> clients = new ArrayList<>();
  private final List<Producer> producers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final boolean pipelined;
  private final int rareEvery;
  private volatile boolean running = true;
  private boolean stopped; // guarded by this

  final LongAdder acked = new LongAdder();
  final LongAdder errors = new LongAdder();
  final AtomicReference<String> firstError = new AtomicReference<>();
  /** Failed sends by the broker's reason (or the exception's class when it carries none). */
  final Map<String, LongAdder> errorsByReason = new ConcurrentHashMap<>();
  final Latency ackLatency = new Latency();

  private ProducerLoad(String topic, int messageSize, boolean pipelined, int rareEvery) {
    this.topic = topic;
    this.messageSize = messageSize;
    this.pipelined = pipelined;
    this.rareEvery = rareEvery;
  }

  /** {@code directRouting} false sends every message through the client's endpoint (forwarded). */
  static ProducerLoad sync(
      Supplier<SluiceClient> newClient,
      String topic,
      int messageSize,
      int threads,
      int maxInFlightRequests,
      boolean directRouting) {
    ProducerLoad load = new ProducerLoad(topic, messageSize, false, 0);
    SluiceClient client = newClient.get();
    load.clients.add(client);
    Producer producer =
        client.newProducer(
            withInFlightRequests(ProducerSettings.builder(), maxInFlightRequests)
                .directRouting(directRouting)
                .build());
    load.producers.add(producer);
    for (int i = 0; i < threads; i++) {
      load.threads.add(new Thread(() -> load.sendLoop(producer), "bench-sync-" + i));
    }
    return load;
  }

  /**
   * With {@code rareEvery} above 0, one message in that many is tagged "rare", the others "common";
   * {@code directRouting} false sends every message through the client's endpoint (forwarded).
   */
  static ProducerLoad pipelined(
      Supplier<SluiceClient> newClient,
      String topic,
      int messageSize,
      int producers,
      int maxInFlightMib,
      int maxInFlightRequests,
      double totalRate,
      int rareEvery,
      boolean directRouting) {
    double ratePerProducer = totalRate / producers;
    ProducerLoad load = new ProducerLoad(topic, messageSize, true, rareEvery);
    ProducerSettings settings =
        withInFlightRequests(ProducerSettings.builder(), maxInFlightRequests)
            .maxInFlightBytes((long) maxInFlightMib << 20)
            .maxBlock(Duration.ofSeconds(60))
            .directRouting(directRouting)
            .build();
    for (int i = 0; i < producers; i++) {
      SluiceClient client = newClient.get();
      load.clients.add(client);
      Producer producer = client.newProducer(settings);
      load.producers.add(producer);
      load.threads.add(
          new Thread(() -> load.sendAsyncLoop(producer, ratePerProducer), "bench-producer-" + i));
    }
    return load;
  }

  /** {@code requests} 0 keeps the client's default. */
  private static ProducerSettings.Builder withInFlightRequests(ProducerSettings.Builder settings, int requests) {
    return requests > 0 ? settings.maxInFlightRequests(requests) : settings;
  }

  void start() {
    threads.forEach(Thread::start);
  }

  private void sendLoop(Producer producer) {
    byte[] body = Stamp.randomBody(messageSize);
    while (running) {
      long t0 = System.nanoTime();
      Stamp.write(body, t0);
      try {
        producer.send(Message.builder().topic(topic).body(body).build());
        ackLatency.record(System.nanoTime() - t0);
        acked.increment();
      } catch (RuntimeException e) {
        failed(e);
      }
    }
  }

  /** Sends as fast as the producer takes messages, or paced to {@code rate} per second if positive. */
  private void sendAsyncLoop(Producer producer, double rate) {
    byte[] body = Stamp.randomBody(messageSize);
    long start = System.nanoTime();
    long sent = 0;
    while (running) {
      if (rate > 0) {
        long late = System.nanoTime() - (start + (long) (sent * 1e9 / rate));
        if (late < 0) {
          LockSupport.parkNanos(-late);
          continue;
        }
        if (late > MAX_CATCH_UP_NANOS) {
          // fell behind (a GC, a full buffer): skip the missed sends rather than burst them
          start += late - MAX_CATCH_UP_NANOS;
        }
      }
      sent++;
      long t0 = System.nanoTime();
      Stamp.write(body, t0);
      try {
        producer
            .sendAsync(tagged(Message.builder().topic(topic).body(body), sent).build())
            .whenComplete(
                (receipt, failure) -> {
                  if (failure == null) {
                    ackLatency.record(System.nanoTime() - t0);
                    acked.increment();
                  } else {
                    failed(failure);
                  }
                });
      } catch (RuntimeException e) {
        failed(e);
      }
    }
  }

  private Message.Builder tagged(Message.Builder message, long sequence) {
    return rareEvery == 0 ? message : message.tag(sequence % rareEvery == 0 ? "rare" : "common");
  }

  private void failed(Throwable e) {
    errors.increment();
    firstError.compareAndSet(null, e.toString());
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    String reason = cause instanceof SluiceException
        ? ((SluiceException) cause).reason().name()
        : cause.getClass().getSimpleName();
    errorsByReason.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  /** Stops sending, waits for the threads, then closes the producers (which wait for receipts). */
  synchronized void stop() throws InterruptedException {
    if (stopped) {
      return;
    }
    stopped = true;
    running = false;
    for (Thread t : threads) {
      t.join();
    }
    for (Producer p : producers) {
      p.close();
    }
    for (SluiceClient c : clients) {
      c.close();
    }
  }

  boolean isPipelined() {
    return pipelined;
  }
}
