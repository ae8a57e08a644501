package io.sluice.bench.pekko;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sluice.bench.measure.Load;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Pekko Persistence end to end: an ActorSystem whose default journal is {@code
 * sluice.persistence.journal} (its directory under {@code dir}), {@code actors} {@link
 * BatchWriter}s, each driven by one outstanding {@code PersistBatch} ask at a time (the next is
 * sent when the reply arrives). Latency is one command: ask to reply, spanning one persistAll.
 *
 * <p>Thread-safety: counters are read from the measuring thread; replies arrive on Pekko threads.
 */
public final class PekkoJournalLoad implements Load {
  private static final String JOURNAL = "sluice.persistence.journal";
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final String flushMode;
  private final int actorCount;
  private final int batchSize;
  private final byte[] payload;
  private final LongAdder completedEvents = new LongAdder();
  private final AtomicInteger outstanding = new AtomicInteger();
  private final Recorder latency = new Recorder(3);
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private ActorSystem<SpawnProtocol.Command> system;
  private MessageStore store;
  private volatile boolean stopping;

  public PekkoJournalLoad(Path dir, String flushMode, int actors, int batchSize, byte[] payload) {
    this.dir = dir;
    this.flushMode = flushMode;
    this.actorCount = actors;
    this.batchSize = batchSize;
    this.payload = payload;
  }

  private Config config() {
    String text =
        String.join(
            "\n",
            "pekko.loglevel = WARNING",
            "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
            "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
            "pekko.actor.provider = local",
            "pekko.persistence.journal.plugin = \"" + JOURNAL + "\"",
            "pekko.persistence.snapshot-store.plugin = \"sluice.persistence.snapshot-store\"",
            JOURNAL + ".dir = \"" + dir.resolve("journal").toString().replace("\\", "/") + "\"",
            JOURNAL + ".flush-mode = " + flushMode,
            "sluice.persistence.snapshot-store.dir = \""
                + dir.resolve("snapshots").toString().replace("\\", "/")
                + "\"");
    return ConfigFactory.parseString(text).withFallback(ConfigFactory.load());
  }

  @Override
  public void start() throws Exception {
    system = ActorSystem.create(SpawnProtocol.create(), "bench", config());
    store = SluiceStores.get(system.classicSystem()).storeFor(JOURNAL);
    List<ActorRef<BatchWriter.Command>> actors = new ArrayList<>();
    for (int i = 0; i < actorCount; i++) {
      String name = "writer-" + i;
      String persistenceId = "bench-" + i;
      actors.add(
          AskPattern.<SpawnProtocol.Command, ActorRef<BatchWriter.Command>>ask(
                  system,
                  replyTo ->
                      new SpawnProtocol.Spawn<>(
                          BatchWriter.create(persistenceId, payload, batchSize),
                          name,
                          Props.empty(),
                          replyTo),
                  ASK_TIMEOUT,
                  system.scheduler())
              .toCompletableFuture()
              .get(60, TimeUnit.SECONDS));
    }
    for (ActorRef<BatchWriter.Command> actor : actors) {
      send(actor);
    }
  }

  private void send(ActorRef<BatchWriter.Command> actor) {
    if (stopping || failure.get() != null) {
      return;
    }
    outstanding.incrementAndGet();
    long started = System.nanoTime();
    AskPattern.<BatchWriter.Command, org.apache.pekko.Done>ask(
            actor, BatchWriter.PersistBatch::new, ASK_TIMEOUT, system.scheduler())
        .whenComplete(
            (done, error) -> {
              if (error != null) {
                failure.compareAndSet(null, error);
              } else {
                latency.recordValue(System.nanoTime() - started);
                completedEvents.add(batchSize);
                send(actor);
              }
              outstanding.decrementAndGet();
            });
  }

  @Override
  public long completedOperations() {
    return completedEvents.sum();
  }

  @Override
  public long payloadBytesPerOperation() {
    return payload.length;
  }

  @Override
  public Recorder latency() {
    return latency;
  }

  @Override
  public long logPosition() {
    return store.confirmedPosition();
  }

  @Override
  public void stop() throws Exception {
    stopping = true;
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (outstanding.get() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      if (store != null) {
        // the store closes with the actor system; forcing first keeps its flusher out of
        // FileChannel.force, where the close's interrupt would close the segment channel
        store.flush();
      }
    } finally {
      if (system != null) {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
    }
    Throwable failed = failure.get();
    if (failed != null) {
      throw new IllegalStateException("a PersistBatch command failed", failed);
    }
  }
}
