package io.sluice.gateway.produce;

import io.sluice.actors.LocalOnly;
import io.sluice.actors.queue.Queue;
import io.sluice.protocol.v1.Message;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * The gateway's batcher for one queue: while an append to the queue entity is in flight, new
 * submissions wait and then go together as the next append (one journal write). An idle queue
 * appends at once, so batching costs no latency; a busy one batches by itself. A batch holds at
 * most {@code maxBatch} messages and (beyond its first submission) {@code maxBatchBytes} encoded
 * bytes, so that an append to a queue on another node fits in one Artery frame.
 */
public final class QueueAppender extends AbstractBehavior<QueueAppender.Command> {

  /** Local to the node: a submission holds its caller's future. */
  public sealed interface Command extends LocalOnly {}

  /** Appends {@code messages} as one unit; {@code result} gets their offsets. */
  public record Submit(List<Message> messages, CompletableFuture<Queue.Appended> result) implements Command {
    long encodedBytes() {
      long bytes = 0;
      for (Message m : messages) {
        bytes += m.getSerializedSize();
      }
      return bytes;
    }
  }

  private record Stored(List<Submit> batch, Queue.Appended appended, Throwable failure) implements Command {}

  public static Behavior<Command> create(
      EntityRef<Queue.Command> queue, Duration askTimeout, int maxBatch, long maxBatchBytes) {
    return Behaviors.setup(ctx -> new QueueAppender(ctx, queue, askTimeout, maxBatch, maxBatchBytes));
  }

  private final EntityRef<Queue.Command> queue;
  private final Duration askTimeout;
  private final int maxBatch;
  private final long maxBatchBytes;
  private final ArrayDeque<Submit> waiting = new ArrayDeque<>();
  private boolean appending;

  private QueueAppender(ActorContext<Command> context, EntityRef<Queue.Command> queue, Duration askTimeout,
      int maxBatch, long maxBatchBytes) {
    super(context);
    this.queue = queue;
    this.askTimeout = askTimeout;
    this.maxBatch = maxBatch;
    this.maxBatchBytes = maxBatchBytes;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(Stored.class, this::onStored)
        .build();
  }

  private Behavior<Command> onSubmit(Submit submit) {
    waiting.add(submit);
    if (!appending) {
      appendWaiting();
    }
    return this;
  }

  private void appendWaiting() {
    List<Submit> batch = new ArrayList<>();
    List<Message> messages = new ArrayList<>();
    long bytes = 0;
    while (!waiting.isEmpty()
        && (batch.isEmpty() || (messages.size() + waiting.peek().messages().size() <= maxBatch
            && bytes + waiting.peek().encodedBytes() <= maxBatchBytes))) {
      Submit next = waiting.poll();
      batch.add(next);
      messages.addAll(next.messages());
      bytes += next.encodedBytes();
    }
    appending = true;
    getContext().pipeToSelf(
        queue.<Queue.Appended>askWithStatus(replyTo -> new Queue.Append(messages, replyTo), askTimeout),
        (appended, failure) -> new Stored(batch, appended, failure));
  }

  private Behavior<Command> onStored(Stored stored) {
    int from = 0;
    for (Submit submit : stored.batch()) {
      if (stored.failure() != null) {
        submit.result().completeExceptionally(stored.failure());
      } else {
        int to = from + submit.messages().size();
        submit.result().complete(stored.appended().slice(from, to));
        from = to;
      }
    }
    appending = false;
    if (!waiting.isEmpty()) {
      appendWaiting();
    }
    return this;
  }
}
