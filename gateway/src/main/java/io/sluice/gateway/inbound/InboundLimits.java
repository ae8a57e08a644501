package io.sluice.gateway.inbound;

import io.sluice.gateway.produce.InFlightBudget;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * The gRPC handler behind a {@link GrpcFrameLimit} on every request body: no gRPC message over
 * {@code max-inbound-message-size} (compressed or inflated) is buffered, and the messages of
 * produce calls wait for room in the node's in-flight budget before they are read.
 */
public final class InboundLimits implements Function<HttpRequest, CompletionStage<HttpResponse>> {
  /** The calls that store what they carry: their messages count against the in-flight budget. */
  private static final String SEND = "/sluice.v1.MessagingService/Send";
  private static final String PRODUCE = "/sluice.v1.MessagingService/Produce";

  private final Function<HttpRequest, CompletionStage<HttpResponse>> handler;
  private final long maxMessageBytes;
  private final InFlightBudget budget;

  public InboundLimits(Function<HttpRequest, CompletionStage<HttpResponse>> handler, long maxMessageBytes,
      InFlightBudget budget) {
    this.handler = handler;
    this.maxMessageBytes = maxMessageBytes;
    this.budget = budget;
  }

  @Override
  public CompletionStage<HttpResponse> apply(HttpRequest request) throws Exception {
    boolean gzip = request.getHeader("grpc-encoding").map(h -> h.value().equalsIgnoreCase("gzip")).orElse(false);
    String path = request.getUri().path();
    boolean send = path.equals(SEND);
    CallBudget taken = send || path.equals(PRODUCE) ? new CallBudget(budget) : null;
    RequestEntity entity = request.entity();
    RequestEntity limited = HttpEntities.createChunked(entity.getContentType(), entity.getDataBytes()
        .via(Flow.fromGraph(new GrpcFrameLimit(maxMessageBytes, gzip, taken, !send))));
    CompletionStage<HttpResponse> response = handler.apply(request.withEntity(limited));
    if (send) {
      // a unary answer comes once the request is stored or refused: its bytes are free then
      response.whenComplete((answer, failure) -> taken.close());
    }
    return response;
  }
}
