package io.sluice.it;

import io.sluice.client.BrokerUnavailableException;
import io.sluice.client.ConsumeResult;
import io.sluice.client.Message;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.ProducerSettings;
import io.sluice.client.PushConsumer;
import io.sluice.client.PushConsumerSettings;
import io.sluice.client.QueueProgress;
import io.sluice.client.Reason;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SimpleConsumerSettings;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Producers and consumers for history-checked tests: every send and delivery goes into a {@link
 * History}.
 */
final class Workload {
  private Workload() {}

  /**
   * A producer thread sending unique messages to one topic at about a fixed rate through pipelined
   * {@code sendAsync} (one outcome per message, not retried by the client), recording invoke and
   * ok (with the receipt's queue and offset), fail (the broker or the client refused it: not
   * stored) or unknown.
   */
  static final class Producing implements AutoCloseable {
    private static final long TICK_NANOS = 50_000_000L;

    private final String name;
    private final String topic;
    private final History history;
    private final int perTick;
    private final Producer producer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger outstanding = new AtomicInteger();
    private final Map<Reason, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final Thread thread;

    /**
     * Starts producing.
     *
     * @param name prefix of the bodies and the thread's name
     * @param ratePerSecond about this many messages a second (sent in 50 ms ticks)
     */
    Producing(SluiceClient client, String name, String topic, History history, int ratePerSecond) {
      this.name = name;
      this.topic = topic;
      this.history = history;
      this.perTick = Math.max(1, ratePerSecond / 20);
      this.producer = client.newProducer(ProducerSettings.builder().maxBlock(Duration.ofSeconds(2)).build());
      this.thread = new Thread(this::run, name);
      thread.start();
    }

    private void run() {
      long seq = 0;
      long next = System.nanoTime();
      while (running.get()) {
        for (int k = 0; k < perTick; k++) {
          send(seq++);
        }
        next += TICK_NANOS;
        LockSupport.parkNanos(next - System.nanoTime());
      }
    }

    private void send(long seq) {
      Message m = Message.builder().topic(topic).body((name + "-" + seq).getBytes(StandardCharsets.UTF_8)).build();
      history.invoke(m.messageId(), topic, "");
      outstanding.incrementAndGet();
      try {
        producer.sendAsync(m).whenComplete((r, e) -> {
          if (r != null) {
            history.ok(r.messageId(), r.queueId(), r.offset());
          } else {
            failed(m.messageId(), e);
          }
          outstanding.decrementAndGet();
        });
      } catch (RuntimeException e) {
        failed(m.messageId(), e);
        outstanding.decrementAndGet();
      }
    }

    private void failed(String id, Throwable e) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      Reason reason = cause instanceof SluiceException se ? se.reason() : Reason.UNSPECIFIED;
      failures.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
      if (cause instanceof SluiceException && !(cause instanceof BrokerUnavailableException)
          && reason != Reason.SEND_OUTCOME_UNKNOWN) {
        history.fail(id);
      } else {
        history.unknown(id);
      }
    }

    /** Failed sends by reason so far ({@code UNSPECIFIED} for a failure without one). */
    Map<Reason, Integer> failures() {
      Map<Reason, Integer> out = new TreeMap<>();
      failures.forEach((r, n) -> out.put(r, n.get()));
      return out;
    }

    /** Stops sending and waits (up to a minute) for the outcome of every message sent. Idempotent. */
    @Override
    public void close() throws InterruptedException {
      if (!running.getAndSet(false)) {
        return;
      }
      thread.join(10_000);
      producer.flush();
      Await.until(name + "'s sends completed", Duration.ofSeconds(60), () -> outstanding.get() == 0,
          () -> outstanding.get() + " outstanding");
      producer.close();
    }
  }

  /** A push consumer of {@code group} that records every delivery and acks it. */
  static PushConsumer consume(SluiceClient client, String group, String topic, History history) {
    return client.newPushConsumer(PushConsumerSettings.builder(group, topic).build(), m -> {
      record(history, group, m);
      return ConsumeResult.SUCCESS;
    });
  }

  /**
   * Reads every stored message of {@code topics} with a fresh group (from the earliest offset,
   * invisible long enough not to come back), recording each delivery, until as many distinct
   * (queue, offset) slots were delivered as the queues' end offsets add up to. Each batch is acked
   * (8 at a time) before the next receive: a group holds at most 4,096 unacked messages per queue
   * (GroupQueue.MAX_IN_FLIGHT), so a longer queue would never be read to its end otherwise.
   */
  static void drain(SluiceClient client, String group, List<String> topics, History history, Duration timeout) {
    ExecutorService ackers = Executors.newFixedThreadPool(8);
    try {
      for (String topic : topics) {
        drain(client, group, topic, history, timeout, ackers);
      }
    } finally {
      ackers.shutdownNow();
    }
  }

  private static void drain(SluiceClient client, String group, String topic, History history, Duration timeout,
      ExecutorService ackers) {
    SimpleConsumer consumer = client.newSimpleConsumer(
        SimpleConsumerSettings.builder(group, topic).awaitDuration(Duration.ofSeconds(1)).build());
    Set<String> slots = new HashSet<>();
    Map<Integer, Integer> readPerQueue = new TreeMap<>();
    long[] stored = {-1};
    AtomicReference<List<QueueProgress>> progress = new AtomicReference<>(List.of());
    SluiceException[] lastFailure = {null};
    Await.until("every stored message of " + topic + " read by " + group, timeout, () -> {
      try {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (MessageView m : consumer.receive(512, Duration.ofMinutes(10))) {
          record(history, group, m);
          if (slots.add(m.queueId() + "@" + m.offset())) {
            readPerQueue.merge(m.queueId(), 1, Integer::sum);
          }
          acks.add(CompletableFuture.runAsync(() -> consumer.ack(m), ackers));
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).join();
        progress.set(client.admin().describeConsumerGroup(group, topic).queues());
        stored[0] = progress.get().stream().mapToLong(QueueProgress::endOffset).sum();
      } catch (SluiceException e) {
        lastFailure[0] = e; // a queue still recovering after a restart: ask again
        return false;
      } catch (CompletionException e) {
        // an ack failed: its message comes back after the invisible time, the others are read on
        lastFailure[0] = e.getCause() instanceof SluiceException se ? se : null;
        return false;
      }
      return slots.size() >= stored[0];
    }, () -> slots.size() + " of " + stored[0] + " stored; read per queue " + readPerQueue + ", progress "
        + progress.get() + "; last failure " + lastFailure[0]);
    consumer.close();
  }

  private static void record(History history, String group, MessageView m) {
    history.delivered(group, m.messageId(), m.topic(), m.messageGroup(), m.queueId(), m.offset());
  }
}
