package io.sluice.gateway.produce;

import io.sluice.actors.queue.Queue;
import io.sluice.protocol.v1.Message;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * One {@link QueueAppender} per queue, started on first use.
 *
 * <p>Thread-safety: any thread.
 */
public final class QueueAppenders {
  private final ActorSystem<?> system;
  private final Duration askTimeout;
  private final int maxBatch;
  private final long maxBatchBytes;
  private final ConcurrentHashMap<String, ActorRef<QueueAppender.Command>> byQueue = new ConcurrentHashMap<>();

  /** @param maxBatchBytes encoded bytes one append carries at most, beyond its first submission */
  public QueueAppenders(ActorSystem<?> system, Duration askTimeout, int maxBatch, long maxBatchBytes) {
    this.system = system;
    this.askTimeout = askTimeout;
    this.maxBatch = maxBatch;
    this.maxBatchBytes = maxBatchBytes;
  }

  /** Appends {@code messages} to queue {@code queueEntityId}; completes with their first offset. */
  public CompletableFuture<Queue.Appended> append(String queueEntityId, List<Message> messages) {
    CompletableFuture<Queue.Appended> result = new CompletableFuture<>();
    byQueue.computeIfAbsent(queueEntityId, this::start).tell(new QueueAppender.Submit(messages, result));
    return result;
  }

  private ActorRef<QueueAppender.Command> start(String queueEntityId) {
    return system.systemActorOf(
        QueueAppender.create(
            ClusterSharding.get(system).entityRefFor(Queue.ENTITY_KEY, queueEntityId), askTimeout, maxBatch, maxBatchBytes),
        "appender-" + URLEncoder.encode(queueEntityId, StandardCharsets.UTF_8),
        Props.empty());
  }
}
