package io.sluice.client.internal;

import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ConsumeResponse;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * One {@code Consume} bidi stream. Its request queue exists (holding the {@code Subscribe}) before
 * the call starts, so commands offered early are sent in order after it. Thread-safe.
 */
final class ConsumeSession {
  final EndpointPool.Endpoint endpoint;
  private final BoundedSourceQueue<ConsumeRequest> requests;
  private final Source<ConsumeRequest, NotUsed> source;
  private volatile boolean open = true;
  private volatile UniqueKillSwitch killSwitch;
  private volatile CompletionStage<Done> done;

  ConsumeSession(
      EndpointPool.Endpoint endpoint, Materializer mat, int capacity, ConsumeRequest subscribe) {
    this.endpoint = endpoint;
    Pair<BoundedSourceQueue<ConsumeRequest>, Source<ConsumeRequest, NotUsed>> q =
        Source.<ConsumeRequest>queue(capacity).preMaterialize(mat);
    this.requests = q.first();
    this.source = q.second();
    requests.offer(subscribe);
  }

  /**
   * Starts the call.
   *
   * @param mat the materializer
   * @param onResponse called for each response, one at a time
   * @param onEnd called once when the stream ends, with its failure or null
   */
  void start(Materializer mat, Consumer<ConsumeResponse> onResponse, Consumer<Throwable> onEnd) {
    Pair<UniqueKillSwitch, CompletionStage<Done>> running =
        endpoint
            .messaging()
            .consume(source)
            .viaMat(KillSwitches.single(), Keep.right())
            .toMat(Sink.foreach(onResponse::accept), Keep.both())
            .run(mat);
    killSwitch = running.first();
    done = running.second();
    done.whenComplete(
        (ok, failure) -> {
          open = false;
          onEnd.accept(failure);
        });
  }

  /**
   * Queues a command.
   *
   * @param request the command
   * @return false if the stream has ended or the queue is full
   */
  boolean offer(ConsumeRequest request) {
    return open && requests.offer(request).isEnqueued();
  }

  boolean isOpen() {
    return open;
  }

  /** No more commands: the broker ends the stream once it has handled them. */
  void halfClose() {
    requests.complete();
  }

  /** Ends the stream now. */
  void abort() {
    UniqueKillSwitch k = killSwitch;
    if (k != null) {
      k.shutdown();
    }
  }

  CompletionStage<Done> done() {
    return done;
  }
}
