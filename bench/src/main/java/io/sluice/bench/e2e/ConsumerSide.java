package io.sluice.bench.e2e;

import io.sluice.client.ConsumeResult;
import io.sluice.client.Filter;
import io.sluice.client.MessageView;
import io.sluice.client.PushConsumer;
import io.sluice.client.PushConsumerSettings;
import io.sluice.client.SluiceClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * {@code consumers} push consumers of one group, each with its own client (connection). The
 * listener does no work beyond reading the stamp: it records the produce-to-consume latency of
 * first deliveries and acks ({@link ConsumeResult#SUCCESS}).
 */
final class ConsumerSide implements AutoCloseable {
  private final List<SluiceClient> clients = new ArrayList<>();
  private final List<PushConsumer> consumers = new ArrayList<>();

  /** First deliveries (attempt 1) seen by a listener. */
  final LongAdder consumed = new LongAdder();
  /** Deliveries with attempt above 1. */
  final LongAdder redelivered = new LongAdder();
  final Latency endToEnd = new Latency();

  ConsumerSide(
      Supplier<SluiceClient> newClient,
      String group,
      String topic,
      int consumers,
      int threads,
      int cache,
      Filter filter) {
    for (int i = 0; i < consumers; i++) {
      SluiceClient client = newClient.get();
      clients.add(client);
      this.consumers.add(
          client.newPushConsumer(
              PushConsumerSettings.builder(group, topic)
                  .filter(filter)
                  .consumptionThreads(threads)
                  .maxCachedMessages(cache)
                  .build(),
              this::onMessage));
    }
  }

  private ConsumeResult onMessage(MessageView m) {
    long now = System.nanoTime();
    if (m.attempt() > 1) {
      redelivered.increment();
    } else {
      endToEnd.record(now - Stamp.read(m.body()));
      consumed.increment();
    }
    return ConsumeResult.SUCCESS;
  }

  @Override
  public void close() {
    consumers.forEach(PushConsumer::close);
    clients.forEach(SluiceClient::close);
  }
}
