package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.Producer;
import io.sluice.client.QueueProgress;
import io.sluice.client.SimpleConsumer;
import io.sluice.client.SimpleConsumerSettings;
import io.sluice.client.SluiceClient;
import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ConsumeResponse;
import io.sluice.protocol.v1.Credit;
import io.sluice.protocol.v1.Subscribe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumers that hold deliveries or stop reading cost the node bounded memory: each test runs a
 * node with {@code -Xmx384m -XX:+ExitOnOutOfMemoryError}, which must stay alive, keep serving
 * other clients and keep what survives a collection well below the bound. Deliveries in flight
 * keep offsets, not bodies; a consume stream whose client does not read stops pulling.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class ConsumeHeapTest {
  static final long HEAP_BOUND = 384L << 20;
  /** What may survive a collection (the idle node: about 35 MiB). */
  static final long LIVE_BOUND = 128L << 20;
  static final Duration LONG = Duration.ofHours(12);

  @TempDir Path tmp;
  BrokerProcess node;
  SluiceClient client;
  RawGrpc raw;
  Path gcLog;
  final AtomicBoolean sampling = new AtomicBoolean(true);
  final AtomicLong maxUsed = new AtomicLong();
  Thread sampler;

  @BeforeEach
  void start() {
    gcLog = tmp.resolve("gc.log");
    node = BrokerProcess.start(tmp.resolve("data"),
        "-Xmx384m", "-XX:+ExitOnOutOfMemoryError", "-Xlog:gc:file=" + gcLog);
    client = node.newClient();
    raw = new RawGrpc(node.grpcPort());
    sampler = new Thread(() -> {
      while (sampling.get() && node.isAlive()) {
        try {
          maxUsed.accumulateAndGet(node.heapUsedBytes(), Math::max);
        } catch (RuntimeException e) {
          // the node is going away; the assertions say so
        }
        for (int i = 0; i < 10 && sampling.get(); i++) {
          Await.pause();
        }
      }
    }, "heap-sampler");
    sampler.start();
  }

  @AfterEach
  void stop() throws Exception {
    sampling.set(false);
    sampler.join(30_000);
    Closer.closeAll(raw, client, node);
  }

  static byte[] body(int size, long seed) {
    byte[] body = new byte[size];
    new Random(seed).nextBytes(body);
    return body;
  }

  /**
   * Sends {@code count} bodies of {@code size} bytes, pipelined within the producer's buffer (16 MiB),
   * and waits for every receipt.
   */
  static void produce(Producer producer, String topic, int count, int size) {
    byte[] body = body(size, 1);
    int pipeline = Math.max(1, Math.min(64, (8 << 20) / size));
    List<CompletableFuture<?>> window = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      window.add(producer.sendAsync(Message.builder().topic(topic).body(body).build()).toCompletableFuture());
      if (window.size() == pipeline) {
        window.forEach(CompletableFuture::join);
        window.clear();
      }
    }
    window.forEach(CompletableFuture::join);
  }

  /**
   * The node is alive, and what it retains (the heap after a full collection, with the deliveries
   * still out) is its working set, not the messages that passed through it.
   */
  void assertNodeHealthy() throws Exception {
    assertTrue(node.isAlive(), "the node died (OutOfMemoryError exits it): " + node.tail(40));
    assertTrue(maxUsed.get() < HEAP_BOUND, "used heap reached " + (maxUsed.get() >> 20) + " MiB");
    node.jcmd("GC.run");
    long live = node.heapUsedBytes();
    System.out.println("[it] max sampled heap " + (maxUsed.get() >> 20) + " MiB, after a full GC "
        + (live >> 20) + " MiB; GC log: " + BackpressureHeapTest.GcPeak.of(gcLog));
    if (live >= LIVE_BOUND) {
      String histogram = node.jcmd("GC.class_histogram");
      System.out.println("[it] heap histogram:\n" + histogram.lines()
          .filter(l -> l.matches(".*(sluice|ByteString|pekko|protobuf|grpc|\\[B ).*")).limit(80)
          .collect(java.util.stream.Collectors.joining("\n")));
    }
    assertTrue(live < LIVE_BOUND, "the node retains " + (live >> 20) + " MiB after a full collection");
    assertTrue(node.isAlive());
  }

  /** Another client's produce-receive-ack round trip on its own topic. */
  void otherClientIsServed(String topic) {
    client.admin().createTopic(topic, 1, MessageType.NORMAL);
    try (Producer producer = client.newProducer()) {
      producer.send(Message.builder().topic(topic).body(new byte[] {42}).build());
    }
    try (SimpleConsumer other = client.newSimpleConsumer("other", topic)) {
      List<MessageView> got = new ArrayList<>();
      Await.until("the other client's message", Duration.ofSeconds(60), () -> {
        got.addAll(other.receive(10, Duration.ofSeconds(30)));
        return !got.isEmpty();
      });
      other.ack(got.get(0));
    }
  }

  @Test
  void aConsumerThatNeverAcksManyMessagesHoldsOffsetsNotBodies() throws Exception {
    String topic = "unacked";
    int messages = 40_000;
    int size = 16 * 1024;
    client.admin().createTopic(topic, 8, MessageType.NORMAL);
    try (Producer producer = client.newProducer()) {
      produce(producer, topic, messages, size);
    }

    // receives until every queue has its most deliveries in flight (4,096), acking none
    SimpleConsumer hoarder = client.newSimpleConsumer(
        SimpleConsumerSettings.builder("hoarder", topic).awaitDuration(Duration.ofSeconds(2)).build());
    long received = 0;
    int empty = 0;
    while (empty < 3) {
      List<MessageView> got = hoarder.receive(1024, LONG);
      received += got.size();
      empty = got.isEmpty() ? empty + 1 : 0;
    }
    System.out.println("[it] received " + received + " deliveries, acked none");
    assertTrue(received > 4096 * 4, "received only " + received);
    long inFlight = client.admin().describeConsumerGroup("hoarder", topic).queues().stream()
        .mapToLong(QueueProgress::inFlight).sum();
    assertEquals(received, inFlight);

    // producers keep working, and other consumers are served
    try (Producer producer = client.newProducer()) {
      produce(producer, topic, 2_000, size);
    }
    otherClientIsServed("bystander");
    assertNodeHealthy();
    hoarder.close();
  }

  @Test
  void aConsumeStreamWhoseClientStopsReadingStopsPulling() throws Exception {
    String topic = "huge";
    int messages = 110;
    int size = 4 << 20;
    client.admin().createTopic(topic, 2, MessageType.NORMAL);
    try (Producer producer = client.newProducer()) {
      produce(producer, topic, messages, size);
    }

    // a stream that grants 100 credits and never reads a response: no demand downstream
    Source<ConsumeRequest, NotUsed> requests = Source.from(List.of(
            ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder().setGroup("stalled").setTopic(topic)
                .setClientId("never-reads").setInvisibleDurationMs(LONG.toMillis())).build(),
            ConsumeRequest.newBuilder().setCredit(Credit.newBuilder().setMessages(100)).build()))
        .concat(Source.<ConsumeRequest>maybe().mapMaterializedValue(p -> NotUsed.getInstance()));
    raw.messaging.consume(requests).runWith(Sink.<ConsumeResponse>asPublisher(org.apache.pekko.stream.javadsl.AsPublisher.WITHOUT_FANOUT), raw.system());
    Await.until("deliveries to the stalled stream", Duration.ofSeconds(60), () ->
        client.admin().describeConsumerGroup("stalled", topic).queues().stream()
            .mapToInt(QueueProgress::inFlight).sum() > 0);

    otherClientIsServed("bystander");
    try (Producer producer = client.newProducer()) {
      produce(producer, topic, 10, size);
    }
    int inFlight = client.admin().describeConsumerGroup("stalled", topic).queues().stream()
        .mapToInt(QueueProgress::inFlight).sum();
    System.out.println("[it] deliveries made to the stream that does not read: " + inFlight);
    assertTrue(inFlight < 20, inFlight + " deliveries made to a client that reads none");
    assertNodeHealthy();
  }

  @Test
  void theJavaClientTakesMessagesOfTheLargestSize() {
    String topic = "large";
    client.admin().createTopic(topic, 1, MessageType.NORMAL);
    byte[] largest = body(4 << 20, 4);
    String id;
    try (Producer producer = client.newProducer()) {
      id = producer.send(Message.builder().topic(topic).body(largest).build()).messageId();
      producer.send(Message.builder().topic(topic).body(body(3 << 20, 5)).build());
      producer.send(Message.builder().topic(topic).body(body(3 << 20, 6)).build());
    }
    try (SimpleConsumer consumer = client.newSimpleConsumer("large-reader", topic)) {
      List<MessageView> got = new ArrayList<>();
      Await.until("three large messages", Duration.ofSeconds(60), () -> {
        got.addAll(consumer.receive(16, Duration.ofMinutes(5)));
        return got.size() >= 3;
      });
      assertEquals(3, got.size());
      assertArrayEquals(largest, got.get(0).bodyBytes());
      assertArrayEquals(body(3 << 20, 6), got.get(2).bodyBytes());
      got.forEach(consumer::ack);
    }
    List<MessageView> found = client.admin().queryMessagesById(topic, id);
    assertEquals(1, found.size());
    assertArrayEquals(largest, found.get(0).bodyBytes());
    assertFalse(found.get(0).bodyBytes().length < largest.length);
  }
}
