package io.sluice.gateway.grpc;

import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.gateway.GatewaySettings;
import io.sluice.gateway.KnownTopics;
import io.sluice.gateway.Names;
import io.sluice.gateway.consume.ConsumeSession;
import io.sluice.gateway.consume.GroupQueues;
import io.sluice.gateway.transaction.TransactionCheckStreams;
import io.sluice.gateway.transaction.Transactions;
import io.sluice.gateway.consume.ReceiptHandle;
import io.sluice.gateway.consume.ReceiptSettler;
import io.sluice.gateway.consume.ReceivePath;
import io.sluice.gateway.consume.Subscription;
import io.sluice.gateway.produce.ProducePath;
import io.sluice.gateway.route.RouteTable;
import io.sluice.protocol.v1.AckRequest;
import io.sluice.protocol.v1.AckResponse;
import io.sluice.protocol.v1.ChangeInvisibleDurationRequest;
import io.sluice.protocol.v1.ChangeInvisibleDurationResponse;
import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ConsumeResponse;
import io.sluice.protocol.v1.EndTransactionRequest;
import io.sluice.protocol.v1.EndTransactionResponse;
import io.sluice.protocol.v1.TransactionCheck;
import io.sluice.protocol.v1.TransactionChecksRequest;
import io.sluice.protocol.v1.MessagingService;
import io.sluice.protocol.v1.ProduceRequest;
import io.sluice.protocol.v1.ProduceResponse;
import io.sluice.protocol.v1.QueryRouteRequest;
import io.sluice.protocol.v1.QueryRouteResponse;
import io.sluice.protocol.v1.ReceiveRequest;
import io.sluice.protocol.v1.ReceiveResponse;
import io.sluice.protocol.v1.SendRequest;
import io.sluice.protocol.v1.SendResponse;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSink;

/** The {@code sluice.v1.MessagingService}: produce and consume over the produce path and group queues. */
public final class MessagingServiceImpl implements MessagingService {
  private final ActorSystem<?> system;
  private final TopicCatalog catalog;
  private final ProducePath producePath;
  private final ReceivePath receivePath;
  private final GroupQueues groups;
  private final GatewaySettings settings;
  private final Supplier<RouteTable> routes;
  private final Transactions transactions;
  private final TransactionCheckStreams checkStreams;

  public MessagingServiceImpl(ActorSystem<?> system, TopicCatalog catalog, ProducePath producePath,
      ReceivePath receivePath, GroupQueues groups, GatewaySettings settings, Supplier<RouteTable> routes,
      Transactions transactions) {
    this.system = system;
    this.catalog = catalog;
    this.producePath = producePath;
    this.receivePath = receivePath;
    this.groups = groups;
    this.settings = settings;
    this.routes = routes;
    this.transactions = transactions;
    this.checkStreams = new TransactionCheckStreams(system);
  }

  @Override
  public CompletionStage<EndTransactionResponse> endTransaction(EndTransactionRequest request) {
    return Calls.unary(() -> transactions.end(request).thenApply(done -> EndTransactionResponse.getDefaultInstance()));
  }

  @Override
  public Source<TransactionCheck, NotUsed> transactionChecks(Source<TransactionChecksRequest, NotUsed> requests) {
    return checkStreams.open(requests);
  }

  @Override
  public Source<ProduceResponse, NotUsed> produce(Source<ProduceRequest, NotUsed> requests) {
    // mapAsync keeps answers in request order and bounds the requests being stored per stream.
    return requests.mapAsync(settings.producePipelining(), request ->
        producePath.produce(request.getMessagesList())
            .thenApply(receipts -> ProduceResponse.newBuilder().addAllReceipts(receipts).build()));
  }

  @Override
  public CompletionStage<SendResponse> send(SendRequest request) {
    return Calls.unary(() -> {
      if (request.getMessagesCount() == 0) {
        throw BrokerException.invalid(io.sluice.protocol.v1.Reason.INVALID_ARGUMENT, "send request has no messages");
      }
      return producePath.produceCounted(request.getMessagesList())
          .thenApply(receipts -> SendResponse.newBuilder().addAllReceipts(receipts).build());
    });
  }

  @Override
  public Source<ConsumeResponse, NotUsed> consume(Source<ConsumeRequest, NotUsed> requests) {
    int capacity = settings.maxCredit() + 2 * 1024 + 16;
    Pair<BoundedSourceQueue<ConsumeResponse>, Source<ConsumeResponse, NotUsed>> out =
        Source.<ConsumeResponse>queue(capacity).preMaterialize(system);
    ActorRef<ConsumeSession.Command> session = system.systemActorOf(
        ConsumeSession.create(out.first(), new ConsumeSession.Dependencies(catalog, groups, settings)),
        "consume-" + UUID.randomUUID(),
        Props.empty());
    requests.runWith(
        ActorSink.actorRefWithBackpressure(
            session,
            (ackTo, request) -> new ConsumeSession.FromClient(request, ackTo),
            ConsumeSession.StreamStarted::new,
            ConsumeSession.StreamAck.INSTANCE,
            ConsumeSession.ClientCompleted.INSTANCE,
            ConsumeSession.ClientFailed::new),
        system);
    // Tells the session when the transport takes a deliveries frame: it pulls only while few wait.
    Source<ConsumeResponse, NotUsed> responses = out.second().map(response -> {
      if (response.hasDeliveries()) {
        session.tell(ConsumeSession.DeliveriesTaken.INSTANCE);
      }
      return response;
    });
    return responses.watchTermination((mat, done) -> {
      done.whenComplete((ok, failure) -> session.tell(ConsumeSession.OutputClosed.INSTANCE));
      return mat;
    });
  }

  @Override
  public CompletionStage<ReceiveResponse> receive(ReceiveRequest request) {
    return Calls.unary(() -> receivePath.receive(request));
  }

  @Override
  public CompletionStage<AckResponse> ack(AckRequest request) {
    return Calls.unary(() -> {
      String group = Subscription.stateGroup(request.getGroup(), request.getMode(), request.getClientId());
      TopicConfig topic = KnownTopics.require(catalog, request.getTopic());
      return ReceiptSettler.ackAll(request.getReceiptHandlesList(), topic, groups.receipts(),
              (queueId, receipts) -> groups.ack(group, topic.name(), queueId, receipts))
          .thenApply(results -> AckResponse.newBuilder().addAllResults(results).build());
    });
  }

  @Override
  public CompletionStage<ChangeInvisibleDurationResponse> changeInvisibleDuration(ChangeInvisibleDurationRequest request) {
    return Calls.unary(() -> {
      Names.checkConsumerGroup(request.getGroup());
      TopicConfig topic = KnownTopics.require(catalog, request.getTopic());
      Subscription.checkInvisible(request.getInvisibleDurationMs());
      ReceiptHandle handle = groups.receipts().decode(request.getReceiptHandle(), topic);
      return groups.changeInvisible(request.getGroup(), request.getTopic(), handle, request.getInvisibleDurationMs())
          .thenApply(renewed -> ChangeInvisibleDurationResponse.newBuilder()
              .setReceiptHandle(handle.withNonce(renewed.nonce()).encode())
              .setInvisibleUntilMs(renewed.invisibleUntilMs())
              .build());
    });
  }

  @Override
  public CompletionStage<QueryRouteResponse> queryRoute(QueryRouteRequest request) {
    return Calls.unary(() -> {
      TopicConfig topic = KnownTopics.require(catalog, request.getTopic());
      QueryRouteResponse.Builder route = QueryRouteResponse.newBuilder().setMessageType(topic.messageType());
      route.addAllQueues(routes.get().routesOf(topic));
      return CompletableFuture.completedFuture(route.build());
    });
  }
}
