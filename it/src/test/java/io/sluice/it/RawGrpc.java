package io.sluice.it;

import com.typesafe.config.ConfigFactory;
import io.grpc.Metadata;
import io.grpc.Status;
import io.sluice.protocol.v1.AdminServiceClient;
import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ConsumeResponse;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.ReceiptResult;
import io.sluice.protocol.v1.MessagingServiceClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The generated pekko-grpc stubs of {@code sluice.v1}, for what the Java client does not let a
 * test do (send an empty body, forge a receipt handle, subscribe without credit) and for reading
 * the {@code sluice-reason} trailer itself.
 */
public final class RawGrpc implements AutoCloseable {
  public static final Metadata.Key<String> REASON =
      Metadata.Key.of("sluice-reason", Metadata.ASCII_STRING_MARSHALLER);
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  private final ActorSystem system;
  public final MessagingServiceClient messaging;
  public final AdminServiceClient admin;

  public RawGrpc(int grpcPort) {
    this("127.0.0.1", grpcPort);
  }

  /** Stubs for the node serving gRPC at {@code host:grpcPort} (e.g. a node in a network namespace). */
  public RawGrpc(String host, int grpcPort) {
    // A local system of Pekko's reference configuration only: the test classpath carries the
    // gateway's application.conf (cluster provider, fixed ports), which must not apply here.
    this.system =
        ActorSystem.create(
            "it-raw",
            ConfigFactory.parseString(
                    "pekko.actor.provider = local\n"
                        + "pekko.loglevel = WARNING\n"
                        + "pekko.stdout-loglevel = WARNING\n"
                        + "pekko.log-dead-letters-during-shutdown = off\n"
                        + "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off\n")
                .withFallback(ConfigFactory.defaultReference()));
    GrpcClientSettings settings =
        GrpcClientSettings.connectToServiceAt(host, grpcPort, system).withTls(false);
    this.messaging = MessagingServiceClient.create(settings, system);
    this.admin = AdminServiceClient.create(settings, system);
  }

  /** The local actor system the stubs run on. */
  public ActorSystem system() {
    return system;
  }

  /** Waits for a unary call's answer. */
  public static <T> T await(CompletionStage<T> call) {
    try {
      return call.toCompletableFuture().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new CompletionException(e.getCause());
    } catch (Exception e) {
      throw new AssertionError("call did not complete within " + CALL_TIMEOUT, e);
    }
  }

  /**
   * The failure of a call that must fail.
   *
   * @return the status and the {@code sluice-reason} trailer
   * @throws AssertionError if the call succeeded
   */
  public static Failure failureOf(CompletionStage<?> call) {
    Object value;
    try {
      value = call.toCompletableFuture().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return Failure.of(e.getCause());
    } catch (Exception e) {
      throw new AssertionError("call did not complete within " + CALL_TIMEOUT, e);
    }
    throw new AssertionError("the call was expected to fail but returned " + value);
  }

  /** A failed call: gRPC status code, description and the reason trailer (null if none). */
  public record Failure(Status.Code code, String description, String reason, Throwable cause) {
    static Failure of(Throwable t) {
      Throwable cur = t;
      while (cur instanceof CompletionException && cur.getCause() != null) {
        cur = cur.getCause();
      }
      Status status = Status.fromThrowable(cur);
      Metadata trailers = Status.trailersFromThrowable(cur);
      return new Failure(
          status.getCode(),
          status.getDescription(),
          trailers == null ? null : trailers.get(REASON),
          cur);
    }
  }

  /** An open {@code Consume} stream: commands go in with {@link #send}, responses are collected. */
  public final class ConsumeStream implements AutoCloseable {
    private final BoundedSourceQueue<ConsumeRequest> requests;
    public final List<ConsumeResponse> responses = new CopyOnWriteArrayList<>();
    /** Completes when the response stream ends; fails with the stream's failure. */
    public final CompletableFuture<Void> done = new CompletableFuture<>();

    private ConsumeStream() {
      Pair<BoundedSourceQueue<ConsumeRequest>, Source<ConsumeRequest, org.apache.pekko.NotUsed>>
          in = Source.<ConsumeRequest>queue(64).preMaterialize(system);
      this.requests = in.first();
      messaging
          .consume(in.second())
          .runWith(Sink.foreach(responses::add), system)
          .whenComplete(
              (ok, failure) -> {
                if (failure != null) {
                  done.completeExceptionally(failure);
                } else {
                  done.complete(null);
                }
              });
    }

    public void send(ConsumeRequest request) {
      if (!requests.offer(request).isEnqueued()) {
        throw new IllegalStateException("consume stream does not take commands any more");
      }
    }

    public long count(ConsumeResponse.EventCase kind) {
      return responses.stream().filter(r -> r.getEventCase() == kind).count();
    }

    /** Every delivery received so far, out of their batches, in arrival order. */
    public List<Delivery> deliveries() {
      return responses.stream().filter(ConsumeResponse::hasDeliveries)
          .flatMap(r -> r.getDeliveries().getDeliveriesList().stream()).toList();
    }

    /** Every receipt result received so far, out of their batches, in arrival order. */
    public List<ReceiptResult> receiptResults() {
      return responses.stream().filter(ConsumeResponse::hasReceiptResults)
          .flatMap(r -> r.getReceiptResults().getResultsList().stream()).toList();
    }

    /** Half-closes the request side (the server then completes the stream). */
    @Override
    public void close() {
      if (!done.isDone()) {
        try {
          requests.complete();
        } catch (IllegalStateException alreadyEnded) {
          // the stream failed or completed meanwhile
        }
      }
    }
  }

  /** Opens a {@code Consume} stream (nothing sent yet). */
  public ConsumeStream openConsume() {
    return new ConsumeStream();
  }

  @Override
  public void close() {
    try {
      messaging.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
      admin.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing is best effort; the system goes anyway
    }
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // best effort
    }
  }
}
