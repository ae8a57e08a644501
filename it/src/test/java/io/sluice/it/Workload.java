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
import io.sluice.client.SendReceipt;
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
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
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

  /**
   * One thread per queue of a topic, each sending its own message group (placed on that queue) with
   * {@code producer.send}, one message at a time, so acknowledgements follow send order per group
   * (the FIFO rule the checker holds them to), at about a fixed total rate. The client should not
   * retry by itself ({@code maxAttempts(1)}): an attempt whose outcome is unknown ({@code
   * REPLICATION_TIMEOUT}, {@code SEND_OUTCOME_UNKNOWN}, a timeout or broken stream) is resent here
   * under the same message id until it is acknowledged, definitely refused or {@code resendFor}
   * has passed, and every failed attempt is counted by reason. A message is "fail" only when every
   * attempt was a definite refusal (nothing stored: {@code NOT_ENOUGH_REPLICAS}, {@code NOT_MASTER},
   * {@code BROKER_BUSY}, {@code QUEUE_UNAVAILABLE}, or a non-availability error), else "unknown".
   * {@code QUEUE_UNAVAILABLE} is resent like an unknown outcome (the group is served again after a
   * failover) but stores nothing: the gateway refuses it before any write (its queue's broker group
   * has no serving node: the produce path's queue choice, the delay timer's and transaction log's
   * availability check), and with one attempt per send the client adds no earlier attempt to it.
   */
  static final class GroupProducing implements AutoCloseable {
    private static final Set<Reason> NOTHING_STORED =
        Set.of(Reason.NOT_ENOUGH_REPLICAS, Reason.NOT_MASTER, Reason.BROKER_BUSY);
    private static final long RESEND_PAUSE_NANOS = 100_000_000L;

    private final String topic;
    private final History history;
    private final Producer producer;
    private final long intervalNanos;
    private final long resendForNanos;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<Reason, AtomicInteger> attemptFailures = new ConcurrentHashMap<>();
    private final Map<String, Long> invokedAt = new ConcurrentHashMap<>();
    /** {nanoTime of the receipt, queue id, nanoTime the acknowledged attempt started} of every acknowledged send. */
    private final Queue<long[]> acks = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();

    /**
     * Starts producing.
     *
     * @param name prefix of the bodies, message groups and threads
     * @param queueCount the topic's queue count: one thread and message group per queue
     * @param ratePerSecond about this many messages a second in all
     * @param resendFor how long a message whose outcome is unknown is resent
     */
    GroupProducing(SluiceClient client, String name, String topic, int queueCount, History history,
        int ratePerSecond, Duration resendFor) {
      this.topic = topic;
      this.history = history;
      this.producer = client.newProducer(ProducerSettings.builder().maxBlock(Duration.ofSeconds(2)).build());
      this.intervalNanos = 1_000_000_000L * queueCount / ratePerSecond;
      this.resendForNanos = resendFor.toNanos();
      for (int q = 0; q < queueCount; q++) {
        String group = name + "-" + ClusterTest.groupHashingTo(q, queueCount);
        Thread t = new Thread(() -> run(group), name + "-q" + q);
        threads.add(t);
      }
      threads.forEach(Thread::start);
    }

    private void run(String group) {
      long seq = 0;
      long next = System.nanoTime();
      while (running.get()) {
        send(Message.builder().topic(topic).messageGroup(group)
            .body((group + "-" + seq++).getBytes(StandardCharsets.UTF_8)).build());
        // paced; a thread held up by a slow send skips the missed slots rather than bursting
        next = Math.max(next + intervalNanos, System.nanoTime() - intervalNanos);
        LockSupport.parkNanos(next - System.nanoTime());
      }
    }

    private void send(Message m) {
      history.invoke(m.messageId(), topic, m.messageGroup());
      long start = System.nanoTime();
      invokedAt.put(m.messageId(), start);
      boolean maybeStored = false;
      while (true) {
        long attempt = System.nanoTime();
        try {
          SendReceipt r = producer.send(m);
          history.ok(m.messageId(), r.queueId(), r.offset());
          acks.add(new long[] {System.nanoTime(), r.queueId(), attempt});
          return;
        } catch (SluiceException e) {
          attemptFailures.computeIfAbsent(e.reason(), r -> new AtomicInteger()).incrementAndGet();
          boolean refused = NOTHING_STORED.contains(e.reason()) || !(e instanceof BrokerUnavailableException);
          maybeStored |= !refused && e.reason() != Reason.QUEUE_UNAVAILABLE;
          if (refused || System.nanoTime() - start > resendForNanos) {
            if (maybeStored) {
              history.unknown(m.messageId());
            } else {
              history.fail(m.messageId());
            }
            return;
          }
          LockSupport.parkNanos(RESEND_PAUSE_NANOS);
        }
      }
    }

    /** Failed attempts by reason so far ({@code UNSPECIFIED} for a failure without one). */
    Map<Reason, Integer> attemptFailures() {
      Map<Reason, Integer> out = new TreeMap<>();
      attemptFailures.forEach((r, n) -> out.put(r, n.get()));
      return out;
    }

    /** When the first attempt of {@code id} started ({@code System.nanoTime()}), or null. */
    Long invokedAt(String id) {
      return invokedAt.get(id);
    }

    /** How many sends to {@code queues} were acknowledged after {@code sinceNanos}. */
    long ackedSince(Set<Integer> queues, long sinceNanos) {
      return acks.stream().filter(a -> a[0] > sinceNanos && queues.contains((int) a[1])).count();
    }

    /**
     * When the first acknowledgement on {@code queues} came of an attempt started after {@code
     * sinceNanos} ({@code System.nanoTime()}), or -1 if none did yet: after a fault, such an
     * attempt cannot have been answered by a node that was dead or frozen when it started.
     */
    long firstAckOfAttemptAfter(Set<Integer> queues, long sinceNanos) {
      return acks.stream().filter(a -> a[2] > sinceNanos && queues.contains((int) a[1]))
          .mapToLong(a -> a[0]).min().orElse(-1);
    }

    /**
     * How many sends to {@code queues} were acknowledged after {@code ackedAfterNanos} by an
     * attempt that started before {@code startedBeforeNanos}: e.g. attempts pending at a node
     * while it was frozen and answered once it resumed.
     */
    long ackedAttemptsSpanning(Set<Integer> queues, long startedBeforeNanos, long ackedAfterNanos) {
      return acks.stream().filter(a -> a[2] < startedBeforeNanos && a[0] > ackedAfterNanos
          && queues.contains((int) a[1])).count();
    }

    /** Stops sending and waits for every thread's last message. Idempotent. */
    @Override
    public void close() throws InterruptedException {
      if (!running.getAndSet(false)) {
        return;
      }
      for (Thread t : threads) {
        t.join(Duration.ofSeconds(90).toMillis());
      }
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
   * (queue, offset) slots were delivered as the queues' end offsets add up to. Every message is
   * acked ({@link #ACKERS} at a time) while the next batches are read, and the drain returns once
   * every ack has ended: a group holds at most 4,096 unacked messages per queue
   * (GroupQueue.MAX_IN_FLIGHT), so a longer queue would never be read to its end otherwise, and
   * waiting for each batch's acks before the next receive made draining a 3-node cluster about
   * 300 to 700 messages a second.
   */
  static void drain(SluiceClient client, String group, List<String> topics, History history, Duration timeout) {
    ExecutorService ackers = Executors.newFixedThreadPool(ACKERS);
    try {
      for (String topic : topics) {
        drain(client, group, topic, history, timeout, ackers);
      }
    } finally {
      ackers.shutdownNow();
    }
  }

  /** Acks a drain has running at once (unary calls over one channel: they wait on the nodes, not on CPU here). */
  static final int ACKERS = 32;

  private static void drain(SluiceClient client, String group, String topic, History history, Duration timeout,
      ExecutorService ackers) {
    SimpleConsumer consumer = client.newSimpleConsumer(
        SimpleConsumerSettings.builder(group, topic).awaitDuration(Duration.ofSeconds(1)).build());
    Set<String> slots = new HashSet<>();
    Map<Integer, Integer> readPerQueue = new TreeMap<>();
    long[] stored = {-1};
    AtomicReference<List<QueueProgress>> progress = new AtomicReference<>(List.of());
    AtomicReference<SluiceException> lastFailure = new AtomicReference<>();
    List<CompletableFuture<Void>> acks = new ArrayList<>();
    Await.until("every stored message of " + topic + " read by " + group, timeout, () -> {
      try {
        for (MessageView m : consumer.receive(512, Duration.ofMinutes(10))) {
          record(history, group, m);
          if (slots.add(m.queueId() + "@" + m.offset())) {
            readPerQueue.merge(m.queueId(), 1, Integer::sum);
          }
          // a failed ack leaves its message in flight; it was read, which is all the drain needs
          acks.add(CompletableFuture.runAsync(() -> consumer.ack(m), ackers).exceptionally(e -> {
            lastFailure.set(e.getCause() instanceof SluiceException se ? se : null);
            return null;
          }));
        }
        progress.set(client.admin().describeConsumerGroup(group, topic).queues());
        stored[0] = progress.get().stream().mapToLong(QueueProgress::endOffset).sum();
      } catch (SluiceException e) {
        lastFailure.set(e); // a queue still recovering after a restart: ask again
        return false;
      }
      return slots.size() >= stored[0];
    }, () -> slots.size() + " of " + stored[0] + " stored; read per queue " + readPerQueue + ", progress "
        + progress.get() + "; last failure " + lastFailure.get());
    CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).join();
    consumer.close();
  }

  private static void record(History history, String group, MessageView m) {
    history.delivered(group, m.messageId(), m.topic(), m.messageGroup(), m.queueId(), m.offset());
  }
}
