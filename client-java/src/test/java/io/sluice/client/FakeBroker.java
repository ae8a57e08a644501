package io.sluice.client;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.grpc.Status;
import io.sluice.protocol.v1.AckRequest;
import io.sluice.protocol.v1.AckResponse;
import io.sluice.protocol.v1.AdminService;
import io.sluice.protocol.v1.AdminServiceHandlerFactory;
import io.sluice.protocol.v1.ChangeInvisibleDurationRequest;
import io.sluice.protocol.v1.ChangeInvisibleDurationResponse;
import io.sluice.protocol.v1.ConsumeRequest;
import io.sluice.protocol.v1.ConsumeResponse;
import io.sluice.protocol.v1.ConsumerGroup;
import io.sluice.protocol.v1.CreateTopicRequest;
import io.sluice.protocol.v1.DeadLetter;
import io.sluice.protocol.v1.DeleteTopicRequest;
import io.sluice.protocol.v1.DeleteTopicResponse;
import io.sluice.protocol.v1.Deliveries;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.DescribeConsumerGroupRequest;
import io.sluice.protocol.v1.DescribeTopicRequest;
import io.sluice.protocol.v1.EndTransactionRequest;
import io.sluice.protocol.v1.EndTransactionResponse;
import io.sluice.protocol.v1.GetRetryPolicyRequest;
import io.sluice.protocol.v1.ItemStatus;
import io.sluice.protocol.v1.ListDeadLettersRequest;
import io.sluice.protocol.v1.ListDeadLettersResponse;
import io.sluice.protocol.v1.ListTopicsRequest;
import io.sluice.protocol.v1.ListTopicsResponse;
import io.sluice.protocol.v1.ListTransactionsRequest;
import io.sluice.protocol.v1.ListTransactionsResponse;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessagingService;
import io.sluice.protocol.v1.MessagingServiceHandlerFactory;
import io.sluice.protocol.v1.ProduceRequest;
import io.sluice.protocol.v1.ProduceResponse;
import io.sluice.protocol.v1.QueryRouteRequest;
import io.sluice.protocol.v1.QueryRouteResponse;
import io.sluice.protocol.v1.QueryMessagesRequest;
import io.sluice.protocol.v1.QueryMessagesResponse;
import io.sluice.protocol.v1.QueueProgress;
import io.sluice.protocol.v1.ReceiptResult;
import io.sluice.protocol.v1.ReceiptResults;
import io.sluice.protocol.v1.ReceiveRequest;
import io.sluice.protocol.v1.ReceiveResponse;
import io.sluice.protocol.v1.ResetConsumerGroupOffsetRequest;
import io.sluice.protocol.v1.CancelDelayedMessageRequest;
import io.sluice.protocol.v1.CancelDelayedMessageResponse;
import io.sluice.protocol.v1.RedriveDeadLettersRequest;
import io.sluice.protocol.v1.RedriveDeadLettersResponse;
import io.sluice.protocol.v1.SendReceipt;
import io.sluice.protocol.v1.SendRequest;
import io.sluice.protocol.v1.SendResponse;
import io.sluice.protocol.v1.SetRetryPolicyRequest;
import io.sluice.protocol.v1.Subscribed;
import io.sluice.protocol.v1.Topic;
import io.sluice.protocol.v1.TransactionCheck;
import io.sluice.protocol.v1.TransactionChecksRequest;
import io.sluice.protocol.v1.UpdateTopicRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.MetadataBuilder;
import org.apache.pekko.grpc.javadsl.ServiceHandler;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;

/**
 * An in-memory stand-in for the gateway's gRPC services, served by pekko-grpc on a free port.
 * Behaviour is chosen by topic name so tests need no shared switches:
 *
 * <ul>
 *   <li>{@code missing}: per-item TOPIC_NOT_FOUND; {@code missing-rpc}: the produce stream fails
 *       with NOT_FOUND and trailer TOPIC_NOT_FOUND
 *   <li>{@code stall}: the request is never answered, nor is any after it on its stream
 *   <li>{@code explode}: the produce stream fails with UNAVAILABLE; a topic starting with {@code
 *       explode-once} does so on its first request only, before storing anything
 *   <li>{@code busy}: the first two attempts of a message id are rejected BROKER_BUSY
 *   <li>{@code item-busy}: the second message of a request is rejected BROKER_BUSY on its first try
 *   <li>{@code unknown}: the first attempt of a message id is stored, but answered
 *       SEND_OUTCOME_UNKNOWN (DEADLINE_EXCEEDED), as a broker whose append outlived its ask timeout
 *       does; a resend of the id gets the first attempt's receipt (the broker's dedup)
 *   <li>a topic in {@link #gates}: its requests are answered once the gate completes
 *   <li>a topic in {@link #notMasterOf}: every message is refused NOT_MASTER (UNAVAILABLE), as a
 *       node whose group has a new master answers
 *   <li>bodies above {@link #MAX_BODY_BYTES}: per-item MESSAGE_TOO_LARGE
 *   <li>{@code txn*}: a TRANSACTION topic, see {@link FakeTransactions}
 * </ul>
 *
 * {@code QueryRoute} answers what a test put in {@link #routes}, else UNIMPLEMENTED (a producer
 * then sends everything here). Requests of one stream are handled one at a time, in order. The unary {@code Send} is refused
 * (UNIMPLEMENTED): the client sends everything over {@code Produce}. Consume behaviour comes from a
 * {@link ConsumeScript} set before the consumer starts.
 */
final class FakeBroker implements MessagingService, AdminService {
  static final int MAX_BODY_BYTES = 64 * 1024;

  final ActorSystem system;
  private ServerBinding binding;

  final AtomicInteger produceStreams = new AtomicInteger();
  final AtomicInteger consumeStreams = new AtomicInteger();
  final Map<String, AtomicInteger> produceFramesByTopic = new ConcurrentHashMap<>();
  final Map<String, AtomicLong> offsets = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> attemptsById = new ConcurrentHashMap<>();
  /** Topic {@code unknown}: the receipt each message id was stored under, once. */
  final Map<String, SendReceipt> storedById = new ConcurrentHashMap<>();
  final Map<String, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();
  /** Topics whose messages this broker refuses NOT_MASTER. */
  final Set<String> notMasterOf = ConcurrentHashMap.newKeySet();
  private final Set<String> exploded = ConcurrentHashMap.newKeySet();
  final Map<String, Topic> topics = new ConcurrentHashMap<>();
  /** What {@code QueryRoute} answers per topic; UNIMPLEMENTED for a topic without one. */
  final Map<String, QueryRouteResponse> routes = new ConcurrentHashMap<>();
  final AtomicInteger routeQueries = new AtomicInteger();
  final Map<String, io.sluice.protocol.v1.RetryPolicy> retryPolicies = new ConcurrentHashMap<>();
  volatile ConsumeScript consumeScript;
  /** What a message lookup answers, if set; otherwise message 0 of the topic. */
  volatile Message lookupAnswer;
  final SimpleQueue simple = new SimpleQueue();
  final FakeTransactions transactions;

  private FakeBroker(ActorSystem system) {
    this.system = system;
    this.transactions = new FakeTransactions(system);
  }

  static ActorSystem serverSystem(String name) {
    return ActorSystem.create(
        name,
        ConfigFactory.parseString(
                "pekko.http.server.preview.enable-http2 = on\n"
                    + "pekko.loglevel = WARNING\n"
                    + "pekko.stdout-loglevel = WARNING\n")
            .withFallback(ConfigFactory.load()));
  }

  @SuppressWarnings("unchecked") // generic varargs of concatOrNotFound
  static FakeBroker start(ActorSystem system) throws Exception {
    FakeBroker broker = new FakeBroker(system);
    broker.binding =
        Http.get(system)
            .newServerAt("127.0.0.1", 0)
            .bind(
                ServiceHandler.concatOrNotFound(
                    MessagingServiceHandlerFactory.partial(broker, MessagingService.name, system),
                    AdminServiceHandlerFactory.partial(broker, AdminService.name, system)))
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    return broker;
  }

  int port() {
    return binding.localAddress().getPort();
  }

  String endpoint() {
    return "127.0.0.1:" + port();
  }

  void stop() throws Exception {
    binding.terminate(Duration.ofSeconds(5)).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Stops the broker and terminates the actor system it was started on. */
  void stopWithSystem() throws Exception {
    stop();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** A client of this broker sharing its actor system. */
  SluiceClient.Builder clientBuilder() {
    return SluiceClient.builder().endpoints(endpoint()).actorSystem(system);
  }

  static GrpcServiceException failure(Status status, String reason, String message) {
    return new GrpcServiceException(
        status.withDescription(message),
        new MetadataBuilder().addText("sluice-reason", reason).build());
  }

  private static ItemStatus itemStatus(
      Status.Code code, io.sluice.protocol.v1.Reason reason, String msg) {
    return ItemStatus.newBuilder().setCode(code.value()).setReason(reason).setMessage(msg).build();
  }

  int framesFor(String topic) {
    AtomicInteger n = produceFramesByTopic.get(topic);
    return n == null ? 0 : n.get();
  }

  private SendReceipt store(Message m) {
    SendReceipt.Builder r =
        SendReceipt.newBuilder().setMessageId(m.getMessageId()).setTopic(m.getTopic());
    if (m.getTopic().equals("missing")) {
      return r.setStatus(
              itemStatus(
                  Status.Code.NOT_FOUND,
                  io.sluice.protocol.v1.Reason.TOPIC_NOT_FOUND,
                  "topic missing does not exist"))
          .build();
    }
    SendReceipt half = transactions.store(m);
    if (half != null) {
      return half;
    }
    if (m.getBody().size() > MAX_BODY_BYTES) {
      return r.setStatus(
              itemStatus(
                  Status.Code.INVALID_ARGUMENT,
                  io.sluice.protocol.v1.Reason.MESSAGE_TOO_LARGE,
                  "body of " + m.getBody().size() + " bytes exceeds " + MAX_BODY_BYTES))
          .build();
    }
    long offset = offsets.computeIfAbsent(m.getTopic(), t -> new AtomicLong()).getAndIncrement();
    return r.setQueueId(0).setOffset(offset).build();
  }

  // ---- MessagingService

  @Override
  public Source<ProduceResponse, NotUsed> produce(Source<ProduceRequest, NotUsed> in) {
    produceStreams.incrementAndGet();
    return in.mapAsync(1, this::answer);
  }

  private CompletionStage<ProduceResponse> answer(ProduceRequest req) {
    String topic = req.getMessagesCount() == 0 ? "" : req.getMessages(0).getTopic();
    produceFramesByTopic.computeIfAbsent(topic, t -> new AtomicInteger()).incrementAndGet();
    for (Message m : req.getMessagesList()) {
      attemptsById.computeIfAbsent(m.getMessageId(), id -> new AtomicInteger()).incrementAndGet();
    }
    if (topic.equals("stall")) {
      return new CompletableFuture<>();
    }
    if (topic.equals("explode") || (topic.startsWith("explode-once") && exploded.add(topic))) {
      throw failure(Status.UNAVAILABLE, "STORAGE_ERROR", "fake broker lost its disk");
    }
    if (topic.equals("missing-rpc")) {
      throw failure(Status.NOT_FOUND, "TOPIC_NOT_FOUND", "topic missing-rpc does not exist");
    }
    CompletableFuture<Void> gate = gates.getOrDefault(topic, CompletableFuture.completedFuture(null));
    return gate.thenApply(open -> storeAll(req));
  }

  private ProduceResponse storeAll(ProduceRequest req) {
    String topic = req.getMessages(0).getTopic();
    ProduceResponse.Builder resp = ProduceResponse.newBuilder();
    for (int i = 0; i < req.getMessagesCount(); i++) {
      Message m = req.getMessages(i);
      int attempt = attemptsById.get(m.getMessageId()).get();
      if (notMasterOf.contains(topic)) {
        resp.addReceipts(
            SendReceipt.newBuilder()
                .setMessageId(m.getMessageId())
                .setTopic(topic)
                .setStatus(
                    itemStatus(
                        Status.Code.UNAVAILABLE,
                        io.sluice.protocol.v1.Reason.NOT_MASTER,
                        "not the master of the queue's broker group")));
      } else if ((topic.equals("busy") && attempt <= 2)
          || (topic.equals("item-busy") && attempt == 1 && i == 1)) {
        resp.addReceipts(
            SendReceipt.newBuilder()
                .setMessageId(m.getMessageId())
                .setTopic(topic)
                .setStatus(
                    itemStatus(
                        Status.Code.RESOURCE_EXHAUSTED,
                        io.sluice.protocol.v1.Reason.BROKER_BUSY,
                        "queue busy")));
      } else if (topic.equals("unknown")) {
        SendReceipt stored = storedById.computeIfAbsent(m.getMessageId(), id -> store(m));
        resp.addReceipts(attempt == 1
            ? SendReceipt.newBuilder().setMessageId(m.getMessageId()).setTopic(topic)
                .setStatus(itemStatus(Status.Code.DEADLINE_EXCEEDED,
                    io.sluice.protocol.v1.Reason.SEND_OUTCOME_UNKNOWN, "append did not answer in time")).build()
            : stored);
      } else {
        resp.addReceipts(store(m));
      }
    }
    return resp.build();
  }

  @Override
  public CompletionStage<SendResponse> send(SendRequest in) {
    return CompletableFuture.failedFuture(new GrpcServiceException(Status.UNIMPLEMENTED));
  }

  @Override
  public Source<ConsumeResponse, NotUsed> consume(Source<ConsumeRequest, NotUsed> in) {
    ConsumeScript script = consumeScript;
    consumeStreams.incrementAndGet();
    Pair<BoundedSourceQueue<ConsumeResponse>, Source<ConsumeResponse, NotUsed>> out =
        Source.<ConsumeResponse>queue(100_000).preMaterialize(system);
    ConsumeScript.Stream stream = new ConsumeScript.Stream(out.first());
    in.runForeach(req -> script.handle(req, stream), system)
        .whenComplete((done, failure) -> out.first().complete());
    return out.second();
  }

  @Override
  public CompletionStage<ReceiveResponse> receive(ReceiveRequest in) {
    if (in.getInvisibleDurationMs() < 1000) {
      return CompletableFuture.failedFuture(
          failure(
              Status.INVALID_ARGUMENT,
              "INVALID_INVISIBLE_DURATION",
              "invisible duration " + in.getInvisibleDurationMs() + " ms is below 1 s"));
    }
    return CompletableFuture.completedFuture(simple.receive(in.getMaxMessages()));
  }

  @Override
  public CompletionStage<AckResponse> ack(AckRequest in) {
    AckResponse.Builder resp = AckResponse.newBuilder();
    for (String handle : in.getReceiptHandlesList()) {
      ReceiptResult.Builder r = ReceiptResult.newBuilder().setReceiptHandle(handle);
      ConsumeScript script = consumeScript;
      if (!simple.ack(handle) && (script == null || !script.ackUnary(handle))) {
        r.setStatus(
            itemStatus(
                Status.Code.FAILED_PRECONDITION,
                io.sluice.protocol.v1.Reason.INVALID_RECEIPT,
                "receipt " + handle + " is not in flight"));
      }
      resp.addResults(r);
    }
    return CompletableFuture.completedFuture(resp.build());
  }

  @Override
  public CompletionStage<ChangeInvisibleDurationResponse> changeInvisibleDuration(
      ChangeInvisibleDurationRequest in) {
    String renewed = simple.renew(in.getReceiptHandle());
    if (renewed == null) {
      return CompletableFuture.failedFuture(
          failure(
              Status.FAILED_PRECONDITION,
              "INVALID_RECEIPT",
              "receipt " + in.getReceiptHandle() + " is not in flight"));
    }
    return CompletableFuture.completedFuture(
        ChangeInvisibleDurationResponse.newBuilder()
            .setReceiptHandle(renewed)
            .setInvisibleUntilMs(System.currentTimeMillis() + in.getInvisibleDurationMs())
            .build());
  }

  @Override
  public CompletionStage<EndTransactionResponse> endTransaction(EndTransactionRequest in) {
    return transactions.endTransaction(in);
  }

  @Override
  public Source<TransactionCheck, NotUsed> transactionChecks(
      Source<TransactionChecksRequest, NotUsed> in) {
    return transactions.transactionChecks(in);
  }

  @Override
  public CompletionStage<ListTransactionsResponse> listTransactions(ListTransactionsRequest in) {
    return transactions.listTransactions(in);
  }

  @Override
  public CompletionStage<QueryRouteResponse> queryRoute(QueryRouteRequest in) {
    routeQueries.incrementAndGet();
    QueryRouteResponse route = routes.get(in.getTopic());
    return route == null
        ? CompletableFuture.failedFuture(new GrpcServiceException(Status.UNIMPLEMENTED))
        : CompletableFuture.completedFuture(route);
  }

  // ---- AdminService

  @Override
  public CompletionStage<Topic> createTopic(CreateTopicRequest in) {
    Topic t = in.getTopic();
    if (t.getName().isEmpty() || !t.getName().matches("[A-Za-z0-9_%|-]{1,127}")) {
      return CompletableFuture.failedFuture(
          failure(Status.INVALID_ARGUMENT, "INVALID_NAME", "bad topic name '" + t.getName() + "'"));
    }
    Topic stored =
        t.toBuilder()
            .setQueueCount(t.getQueueCount() == 0 ? 8 : t.getQueueCount())
            .setRetentionHours(t.getRetentionHours() == 0 ? 72 : t.getRetentionHours())
            .build();
    if (topics.putIfAbsent(t.getName(), stored) != null) {
      return CompletableFuture.failedFuture(
          failure(Status.ALREADY_EXISTS, "TOPIC_EXISTS", "topic " + t.getName() + " exists"));
    }
    return CompletableFuture.completedFuture(stored);
  }

  @Override
  public CompletionStage<Topic> updateTopic(UpdateTopicRequest in) {
    Topic t = in.getTopic();
    Topic old = topics.get(t.getName());
    if (old == null) {
      return notFound(t.getName());
    }
    Topic updated =
        old.toBuilder()
            .setQueueCount(Math.max(old.getQueueCount(), t.getQueueCount()))
            .setRetentionHours(
                t.getRetentionHours() == 0 ? old.getRetentionHours() : t.getRetentionHours())
            .build();
    topics.put(t.getName(), updated);
    return CompletableFuture.completedFuture(updated);
  }

  @Override
  public CompletionStage<DeleteTopicResponse> deleteTopic(DeleteTopicRequest in) {
    if (topics.remove(in.getName()) == null) {
      return notFound(in.getName());
    }
    return CompletableFuture.completedFuture(DeleteTopicResponse.getDefaultInstance());
  }

  @Override
  public CompletionStage<Topic> describeTopic(DescribeTopicRequest in) {
    Topic t = topics.get(in.getName());
    return t == null ? notFound(in.getName()) : CompletableFuture.completedFuture(t);
  }

  @Override
  public CompletionStage<ListTopicsResponse> listTopics(ListTopicsRequest in) {
    return CompletableFuture.completedFuture(
        ListTopicsResponse.newBuilder().addAllTopics(new TreeMap<>(topics).values()).build());
  }

  /** Reset and query requests received, in order. */
  final List<Object> adminRequests = new CopyOnWriteArrayList<>();

  @Override
  public CompletionStage<ConsumerGroup> resetConsumerGroupOffset(ResetConsumerGroupOffsetRequest in) {
    adminRequests.add(in);
    return describeConsumerGroup(
        DescribeConsumerGroupRequest.newBuilder().setGroup(in.getGroup()).setTopic(in.getTopic()).build());
  }

  /** Answers any query with {@link #lookupAnswer} or message 0 of the topic. */
  @Override
  public CompletionStage<QueryMessagesResponse> queryMessages(QueryMessagesRequest in) {
    adminRequests.add(in);
    if (!topics.containsKey(in.getTopic())) {
      return notFound(in.getTopic());
    }
    return CompletableFuture.completedFuture(
        QueryMessagesResponse.newBuilder()
            .addMessages(lookupAnswer != null ? lookupAnswer : storedMessage(in.getTopic(), 0)).build());
  }

  @Override
  public CompletionStage<ConsumerGroup> describeConsumerGroup(DescribeConsumerGroupRequest in) {
    Topic t = topics.get(in.getTopic());
    if (t == null) {
      return notFound(in.getTopic());
    }
    if (in.getGroup().equals("unknown")) {
      return CompletableFuture.failedFuture(
          failure(Status.NOT_FOUND, "GROUP_NOT_FOUND", "group unknown does not exist"));
    }
    ConsumerGroup.Builder g =
        ConsumerGroup.newBuilder().setGroup(in.getGroup()).setTopic(in.getTopic());
    for (int q = 0; q < t.getQueueCount(); q++) {
      g.addQueues(
          QueueProgress.newBuilder()
              .setQueueId(q)
              .setEndOffset(10)
              .setAckWatermark(7)
              .setReadCursor(9)
              .setInFlight(2)
              .setLag(3));
    }
    return CompletableFuture.completedFuture(g.build());
  }

  @Override
  public CompletionStage<io.sluice.protocol.v1.RetryPolicy> setRetryPolicy(SetRetryPolicyRequest in) {
    io.sluice.protocol.v1.RetryPolicy p = in.getPolicy();
    if (p.getMaxAttempts() == 0) {
      p = p.toBuilder().setMaxAttempts(p.getDelaysMsCount() + 1).build();
    }
    retryPolicies.put(in.getGroup(), p);
    return CompletableFuture.completedFuture(p);
  }

  @Override
  public CompletionStage<io.sluice.protocol.v1.RetryPolicy> getRetryPolicy(GetRetryPolicyRequest in) {
    io.sluice.protocol.v1.RetryPolicy p = retryPolicies.get(in.getGroup());
    return p != null ? CompletableFuture.completedFuture(p)
        : CompletableFuture.failedFuture(failure(Status.INVALID_ARGUMENT, "INVALID_NAME", "no policy"));
  }

  /** One dead letter per call, {@code next} as the token unless the request carried one. */
  @Override
  public CompletionStage<ListDeadLettersResponse> listDeadLetters(ListDeadLettersRequest in) {
    Message m = storedMessage("orders", 3).toBuilder().setStoreTimestampMs(1_000).build();
    return CompletableFuture.completedFuture(ListDeadLettersResponse.newBuilder()
        .addDeadLetters(DeadLetter.newBuilder().setMessage(m).setOriginalTopic("orders").setOriginalQueueId(2)
            .setOriginalOffset(41).setAttempts(3).setDeadLetteredAtMs(1_000))
        .setNextPageToken(in.getPageToken().isEmpty() ? "next" : "")
        .build());
  }

  @Override
  public CompletionStage<RedriveDeadLettersResponse> redriveDeadLetters(RedriveDeadLettersRequest in) {
    return CompletableFuture.completedFuture(
        RedriveDeadLettersResponse.newBuilder().setRedriven(in.getMessageIdsCount()).build());
  }

  /** Message id "pending" is cancelled; any other id was delivered already. */
  @Override
  public CompletionStage<CancelDelayedMessageResponse> cancelDelayedMessage(CancelDelayedMessageRequest in) {
    adminRequests.add(in);
    if (in.getMessageId().equals("pending")) {
      return CompletableFuture.completedFuture(CancelDelayedMessageResponse.getDefaultInstance());
    }
    return CompletableFuture.failedFuture(failure(Status.FAILED_PRECONDITION, "MESSAGE_NOT_PENDING",
        "delayed message " + in.getMessageId() + " was delivered already"));
  }

  private static <T> CompletionStage<T> notFound(String topic) {
    return CompletableFuture.failedFuture(
        failure(Status.NOT_FOUND, "TOPIC_NOT_FOUND", "topic " + topic + " does not exist"));
  }

  static Message storedMessage(String topic, int index) {
    return Message.newBuilder()
        .setTopic(topic)
        .setTag(index % 2 == 0 ? "TagA" : "TagB")
        .addKeys("order-" + index)
        .putProperties("index", Integer.toString(index))
        .setBody(ByteString.copyFromUtf8("payload-" + index))
        .setMessageId("m-" + index)
        .setQueueId(0)
        .setOffset(index)
        .setBornTimestampMs(1_000L + index)
        .setStoreTimestampMs(2_000L + index)
        .build();
  }

  /** Messages for simple consumers: everything is in flight once received. */
  static final class SimpleQueue {
    private final ArrayDeque<Message> ready = new ArrayDeque<>();
    private final Map<String, Message> inFlight = new HashMap<>();
    private int handles;

    synchronized void add(Message m) {
      ready.add(m);
    }

    synchronized ReceiveResponse receive(int max) {
      ReceiveResponse.Builder resp = ReceiveResponse.newBuilder();
      while (resp.getDeliveriesCount() < max && !ready.isEmpty()) {
        Message m = ready.poll();
        String handle = "s-" + (++handles);
        inFlight.put(handle, m);
        resp.addDeliveries(
            Delivery.newBuilder()
                .setMessage(m)
                .setReceiptHandle(handle)
                .setAttempt(1)
                .setInvisibleUntilMs(System.currentTimeMillis() + 30_000));
      }
      return resp.build();
    }

    synchronized boolean ack(String handle) {
      return inFlight.remove(handle) != null;
    }

    synchronized String renew(String handle) {
      Message m = inFlight.remove(handle);
      if (m == null) {
        return null;
      }
      String renewed = "s-" + (++handles);
      inFlight.put(renewed, m);
      return renewed;
    }
  }

  /**
   * A push-consumption scenario: {@code count} messages, delivered as each stream's credit allows;
   * nacked ones are delivered again with the next attempt number. With {@code failAfterAcks > 0}
   * the first stream fails with UNAVAILABLE after that many acks; commands still arriving on it are
   * lost, and the next subscribe expires what was in flight (redelivered with the next attempt), as
   * invisibility expiry would. Records what the broker side observes.
   */
  static final class ConsumeScript {
    private record Pending(int index, int attempt) {}

    /** Credit of one Consume stream. */
    static final class Stream {
      final BoundedSourceQueue<ConsumeResponse> out;
      long granted;
      long delivered;
      boolean failed;

      Stream(BoundedSourceQueue<ConsumeResponse> out) {
        this.out = out;
      }
    }

    final String topic;
    final int window;
    final int failAfterAcks;
    final CountDownLatch allAcked;
    final CountDownLatch windowFull = new CountDownLatch(1);
    final CountDownLatch renewSeen = new CountDownLatch(1);
    final List<String> invalidReceipts = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Pending> toDeliver = new ArrayDeque<>();
    private final Map<String, Pending> byHandle = new HashMap<>();
    private final java.util.Set<Integer> ackedIndexes = new java.util.HashSet<>();
    private long maxOutstanding;
    private long maxExposure;
    private int acks;
    private int unaryAcks;
    private int ackCommands;
    private int nacks;
    private int renews;
    private int streamsFailed;
    private long subscribeInvisibleMs;
    /** Message i goes to message group {@code "group-" + i % messageGroups}; 0: no groups. */
    volatile int messageGroups;

    ConsumeScript(String topic, int count, int window) {
      this(topic, count, window, 0);
    }

    ConsumeScript(String topic, int count, int window, int failAfterAcks) {
      this.topic = topic;
      this.window = window;
      this.failAfterAcks = failAfterAcks;
      this.allAcked = new CountDownLatch(count);
      for (int i = 0; i < count; i++) {
        toDeliver.add(new Pending(i, 1));
      }
    }

    synchronized boolean ackUnary(String handle) {
      Pending p = byHandle.remove(handle);
      if (p == null) {
        return false;
      }
      unaryAcks++;
      acked(p);
      return true;
    }

    private void acked(Pending p) {
      acks++;
      if (ackedIndexes.add(p.index())) {
        allAcked.countDown();
      }
    }

    synchronized void handle(ConsumeRequest req, Stream stream) {
      if (stream.failed) {
        return;
      }
      BoundedSourceQueue<ConsumeResponse> out = stream.out;
      switch (req.getCommandCase()) {
        case SUBSCRIBE:
          subscribeInvisibleMs = req.getSubscribe().getInvisibleDurationMs();
          for (Pending expired : byHandle.values()) {
            toDeliver.addFirst(new Pending(expired.index(), expired.attempt() + 1));
          }
          byHandle.clear();
          out.offer(
              ConsumeResponse.newBuilder()
                  .setSubscribed(Subscribed.newBuilder().addQueueIds(0))
                  .build());
          break;
        case CREDIT:
          stream.granted += req.getCredit().getMessages();
          maxExposure = Math.max(maxExposure, stream.granted - stream.delivered + byHandle.size());
          deliverMore(stream);
          break;
        case ACK:
          ackCommands++;
          ReceiptResults.Builder results = ReceiptResults.newBuilder();
          for (String handle : req.getAck().getReceiptHandlesList()) {
            Pending p = byHandle.remove(handle);
            ReceiptResult.Builder r = ReceiptResult.newBuilder().setReceiptHandle(handle);
            if (p == null) {
              invalidReceipts.add(handle);
              r.setStatus(
                  itemStatus(
                      Status.Code.FAILED_PRECONDITION,
                      io.sluice.protocol.v1.Reason.INVALID_RECEIPT,
                      "unknown receipt"));
            } else {
              acked(p);
            }
            results.addResults(r);
          }
          out.offer(ConsumeResponse.newBuilder().setReceiptResults(results).build());
          if (failAfterAcks > 0 && streamsFailed == 0 && acks >= failAfterAcks) {
            streamsFailed++;
            stream.failed = true;
            out.fail(failure(Status.UNAVAILABLE, "", "fake gateway restarting"));
          }
          break;
        case NACK:
          {
            Pending p = byHandle.remove(req.getNack().getReceiptHandle());
            if (p == null) {
              invalidReceipts.add(req.getNack().getReceiptHandle());
              break;
            }
            nacks++;
            toDeliver.add(new Pending(p.index(), p.attempt() + 1));
            deliverMore(stream);
            break;
          }
        case RENEW:
          {
            String handle = req.getRenew().getReceiptHandle();
            Pending p = byHandle.remove(handle);
            ReceiptResult.Builder r = ReceiptResult.newBuilder().setReceiptHandle(handle);
            if (p == null) {
              invalidReceipts.add(handle);
              r.setStatus(
                  itemStatus(
                      Status.Code.FAILED_PRECONDITION,
                      io.sluice.protocol.v1.Reason.INVALID_RECEIPT,
                      "unknown receipt"));
            } else {
              renews++;
              String renewed = handle + "-r" + renews;
              byHandle.put(renewed, p);
              r.setNewReceiptHandle(renewed);
              renewSeen.countDown();
            }
            out.offer(
                ConsumeResponse.newBuilder()
                    .setReceiptResults(ReceiptResults.newBuilder().addResults(r))
                    .build());
            break;
          }
        default:
          break;
      }
    }

    private void deliverMore(Stream stream) {
      Deliveries.Builder batch = Deliveries.newBuilder();
      while (stream.delivered < stream.granted && !toDeliver.isEmpty()) {
        Pending p = toDeliver.poll();
        String handle = "h-" + p.index() + "-" + p.attempt();
        byHandle.put(handle, p);
        stream.delivered++;
        maxOutstanding = Math.max(maxOutstanding, byHandle.size());
        if (byHandle.size() >= window) {
          windowFull.countDown();
        }
        batch.addDeliveries(
            Delivery.newBuilder()
                .setMessage(grouped(storedMessage(topic, p.index())))
                .setReceiptHandle(handle)
                .setAttempt(p.attempt())
                .setInvisibleUntilMs(System.currentTimeMillis() + subscribeInvisibleMs));
      }
      if (batch.getDeliveriesCount() > 0) {
        stream.out.offer(ConsumeResponse.newBuilder().setDeliveries(batch).build());
      }
    }

    private Message grouped(Message m) {
      return messageGroups == 0
          ? m
          : m.toBuilder().setMessageGroup("group-" + m.getOffset() % messageGroups).build();
    }

    /** Ack commands received on consume streams (each may carry many receipt handles). */
    synchronized int ackCommands() {
      return ackCommands;
    }

    synchronized int unaryAcks() {
      return unaryAcks;
    }

    synchronized long maxOutstanding() {
      return maxOutstanding;
    }

    synchronized long maxExposure() {
      return maxExposure;
    }

    synchronized int acks() {
      return acks;
    }

    synchronized int nacks() {
      return nacks;
    }

    synchronized int renews() {
      return renews;
    }

    synchronized long subscribeInvisibleMs() {
      return subscribeInvisibleMs;
    }

    synchronized List<Integer> pendingIndexes() {
      List<Integer> out = new ArrayList<>();
      for (Pending p : toDeliver) {
        out.add(p.index());
      }
      return out;
    }
  }
}
