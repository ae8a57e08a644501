package io.sluice.actors.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.consume.GroupQueue;
import io.sluice.actors.consume.RetryPolicy;
import io.sluice.actors.group.ConsumerGroupRegistry;
import io.sluice.actors.group.PolicyEntry;
import io.sluice.actors.group.PolicyJournal;
import io.sluice.actors.group.RetryPolicies;
import io.sluice.actors.delay.DelaySchedule;
import io.sluice.actors.delay.DelayTimer;
import io.sluice.actors.transaction.CheckBack;
import io.sluice.actors.transaction.QueueTransactions;
import io.sluice.actors.transaction.TransactionBook;
import io.sluice.actors.transaction.TransactionSummary;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.controller.GroupState;
import io.sluice.actors.controller.PromotionHook;
import io.sluice.actors.controller.ReplicaController;
import io.sluice.actors.replication.Replication;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicEntry;
import io.sluice.actors.topic.TopicJournal;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.actors.topic.Topics;
import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.TransactionRef;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import java.io.NotSerializableException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every message, event and snapshot state of the actors through the serializer the module's
 * reference.conf binds it to, as it crosses nodes or reaches the journal: CBOR for {@code
 * CborSerializable}, {@link MessageSerializer} for {@link Queue.MessageStored}, {@link
 * ClusterMessageSerializer} for the hot commands and replies.
 */
class SerializationTest {
  @TempDir static Path dir;
  static ActorTestKit testKit;
  static Serialization serialization;
  static ActorRef<Object> ref;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("SerializationTest", ActorsTestConfig.create(dir));
    serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    ref = testKit.<Object>createTestProbe().getRef();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @SuppressWarnings("unchecked")
  static <T> ActorRef<T> ref() {
    return (ActorRef<T>) (ActorRef<?>) ref;
  }

  static Object roundTrip(Object o) {
    Serializer serializer = serialization.findSerializerFor(o);
    // serialize() (not the serializer directly) provides the system that ActorRefs resolve against
    byte[] bytes = serialization.serialize(o).get();
    String manifest = Serializers.manifestFor(serializer, o);
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  static Message fullMessage() {
    return Message.newBuilder()
        .setTopic("orders")
        .setTag("TagA")
        .addKeys("k1")
        .addKeys("k2")
        .setMessageGroup("group-7")
        .putProperties("a", "1")
        .putProperties("b", "")
        .setBody(ByteString.copyFrom(new byte[] {0, 1, 2, (byte) 0xff}))
        .setBornTimestampMs(1_700_000_000_000L)
        .setMessageId("0A0B0C")
        .setQueueId(5)
        .setOffset(123_456_789_012L)
        .setStoreTimestampMs(1_700_000_000_123L)
        .build();
  }

  static Topics topics() {
    return new Topics(42, Map.of(
        "a", new TopicConfig("a", 8, MessageType.NORMAL, 0),
        "b", new TopicConfig("b", 1024, MessageType.FIFO, 72),
        "c", new TopicConfig("c", 1, MessageType.TRANSACTION, 1)));
  }

  static Stream<Object> cborObjects() {
    TopicConfig topic = new TopicConfig("orders", 16, MessageType.DELAY, 24);
    return Stream.of(
        // topic registry: commands, replies, events, state (also the broadcast)
        topic,
        topics(),
        Topics.EMPTY,
        new TopicRegistry.CreateTopic(topic, ref()),
        new TopicRegistry.UpdateTopic(topic, ref()),
        new TopicRegistry.DeleteTopic("orders", ref()),
        new TopicRegistry.GetTopics(ref()),
        new TopicRegistry.Changed(topics()),
        new TopicRegistry.Rejected(Reason.TOPIC_EXISTS, "topic 'orders' exists"),
        new TopicRegistry.TopicCreated(topic),
        new TopicRegistry.TopicUpdated(topic),
        new TopicRegistry.TopicDeleted("orders"),
        new TopicRegistry.TopicsImported(),
        new TopicRegistry.EnsureTopic(topic, ref()),
        new TopicRegistry.ImportTopics(topics(), "g1", ref()),
        new TopicRegistry.OutcomeUnknown("the outcome is unknown"),
        // the replicated topic map's entries (Distributed Data and its durable store), a deleted one too
        new TopicEntry(topic.withQueueGroups(java.util.Collections.nCopies(16, "g2")), 3, 1_700_000_000_000L),
        new TopicEntry(null, 4, 1_700_000_000_001L),
        new TopicJournal.State(topics(), true),
        // queue: commands and replies that are CBOR, snapshot state
        new Queue.GetEndOffset(ref()),
        new Queue.EndOffset(17),
        new Queue.State(10_000),
        // delay timer: CBOR commands, reply and events
        new DelayTimer.Cancel("0A0B0C", ref()),
        DelayTimer.Wake.INSTANCE,
        new DelayTimer.CancelResult(DelaySchedule.Status.DELIVERED),
        new DelayTimer.Delivered(List.of("0A0B0C", "0D"), 42),
        new DelayTimer.Cancelled("0A0B0C"),
        // transactions: CBOR commands, replies and events (CheckBack has its own test: byte[])
        new QueueTransactions.End("tx-1", "payments", QueueTransactions.Resolution.UNKNOWN, ref()),
        new QueueTransactions.EndResult(QueueTransactions.EndStatus.RESOLVED_OTHERWISE, TransactionBook.Outcome.COMMIT),
        new QueueTransactions.EndResult(QueueTransactions.EndStatus.NOT_FOUND, null),
        new QueueTransactions.PrepareResult(null, null),
        new QueueTransactions.PrepareResult("tx-1", TransactionBook.Outcome.ROLLBACK),
        new QueueTransactions.ListTransactions("payments", true, ref()),
        new QueueTransactions.Listed(List.of(
            new TransactionSummary("tx-1", "payments", List.of("0A", "0B"), 1_700_000_000_000L, 15,
                TransactionBook.Outcome.ROLLBACK, 1_700_000_150_000L),
            new TransactionSummary("tx-2", "payments", List.of("0C"), 1_700_000_000_001L, 0, null, 0))),
        QueueTransactions.Wake.INSTANCE,
        new QueueTransactions.Checked(List.of("tx-1", "tx-2")),
        new QueueTransactions.Resolved("tx-1", TransactionBook.Outcome.COMMIT, true, 1_700_000_000_000L),
        new QueueTransactions.Delivered(List.of("tx-1"), 42),
        // group queue: the CBOR commands and replies, event, snapshot state
        new GroupQueue.AwaitMessages(1_700_000_000_000L, ref()),
        new GroupQueue.Ack(List.of(new GroupQueue.Receipt(5, Long.MAX_VALUE), new GroupQueue.Receipt(6, 1)), ref()),
        new GroupQueue.Acked(List.of(1, 3)),
        new GroupQueue.Nack(5, 77, 1_000, ref()),
        new GroupQueue.ChangeInvisible(5, 77, 30_000, ref()),
        new GroupQueue.Describe(ref()),
        new GroupQueue.ResetTo(12, ref()),
        new GroupQueue.PositionReset(12),
        GroupQueue.Available.INSTANCE,
        new GroupQueue.Renewed(99, 1_700_000_030_000L),
        new GroupQueue.Progress(10, 12, 2),
        new GroupQueue.AcksCommitted(List.of(3L, 4L, 5_000_000_000L)),
        new GroupQueue.State(7, List.of(9L, 12L, 5_000_000_000L)),
        new GroupQueue.Settle(List.of(3L, 5_000_000_000L), ref()),
        new GroupQueue.GetSettled(ref()),
        new GroupQueue.StartAt(12, ref()),
        // consumer-group registry: retry policies (commands, event, state, also the broadcast)
        RetryPolicy.DEFAULT,
        new RetryPolicies(3, Map.of("billing", new RetryPolicy(3, List.of(100L, 300L)), "audit", RetryPolicy.DEFAULT)),
        new ConsumerGroupRegistry.SetRetryPolicy("billing", new RetryPolicy(1, List.of(1L)), ref()),
        new ConsumerGroupRegistry.GetRetryPolicies(ref()),
        new ConsumerGroupRegistry.RetryPolicySet("billing", new RetryPolicy(5, List.of(7_200_000L))),
        new ConsumerGroupRegistry.RetryPoliciesImported(),
        new ConsumerGroupRegistry.ImportRetryPolicies(RetryPolicies.EMPTY, ref()),
        new PolicyEntry(new RetryPolicy(2, List.of(10L)), 1_700_000_000_000L),
        new PolicyJournal.State(RetryPolicies.EMPTY, false),
        // replies to Nack / ChangeInvisible / Schedule (Pekko's serializer, CBOR inside)
        StatusReply.success(new GroupQueue.Renewed(1, 2)),
        StatusReply.ack(),
        StatusReply.error("receipt for offset 5 of t/0 is not current"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cborObjects")
  void cborRoundTrip(Object o) {
    if (!(o instanceof StatusReply<?>)) {
      assertInstanceOf(JacksonCborSerializer.class, serialization.findSerializerFor(o),
          () -> o.getClass().getName() + " is not bound to jackson-cbor");
    }
    Object back = roundTrip(o);
    assertEquals(o, back);
    if (!(o instanceof Enum<?>) && !(o instanceof StatusReply<?>)) {
      assertNotSame(o, back);
    }
  }

  @Test
  void offsetListsComeBackAsLongs() {
    // the State's binary search and the event handler's unboxing need Long elements, not Integer
    GroupQueue.AcksCommitted acks = (GroupQueue.AcksCommitted) roundTrip(new GroupQueue.AcksCommitted(List.of(1L, 2L)));
    acks.offsets().forEach(o -> assertEquals(Long.class, ((Object) o).getClass()));
    GroupQueue.State state = (GroupQueue.State) roundTrip(new GroupQueue.State(3, List.of(5L, 8L)));
    state.ackedAbove().forEach(o -> assertEquals(Long.class, ((Object) o).getClass()));
  }

  @Test
  void topicsComeBackUsable() {
    Topics back = (Topics) roundTrip(topics());
    assertEquals(MessageType.FIFO, back.get("b").orElseThrow().messageType());
    assertEquals(1024, back.get("b").orElseThrow().queueCount());
    assertThrows(UnsupportedOperationException.class, () -> back.byName().remove("a"));
  }

  // ---- MessageSerializer ----

  @Test
  void delayScheduledRoundTripsThroughTheMessageSerializer() {
    DelayTimer.Scheduled scheduled =
        new DelayTimer.Scheduled(fullMessage().toBuilder().setDeliverAtMs(1_800_000_000_000L).build());
    Serializer serializer = serialization.findSerializerFor(scheduled);
    assertInstanceOf(MessageSerializer.class, serializer);
    assertEquals("DS", Serializers.manifestFor(serializer, scheduled));
    assertEquals(scheduled, roundTrip(scheduled));
  }

  @Test
  void transactionPreparedRoundTripsThroughTheMessageSerializer() {
    QueueTransactions.Prepared prepared = new QueueTransactions.Prepared(fullMessage().toBuilder()
        .setTransaction(TransactionRef.newBuilder().setTransactionId("tx-1").setProducerGroup("payments")).build());
    Serializer serializer = serialization.findSerializerFor(prepared);
    assertInstanceOf(MessageSerializer.class, serializer);
    assertEquals("TP", Serializers.manifestFor(serializer, prepared));
    assertEquals(prepared, roundTrip(prepared));
  }

  @Test
  void checkBackRoundTripsWithItsMessageBytes() {
    CheckBack check = new CheckBack("tx-1", "payments", "orders", 3, fullMessage().toByteArray(), 2, 1_700_000_000_000L);
    CheckBack back = (CheckBack) roundTrip(check);
    assertNotSame(check, back);
    assertEquals(List.of("tx-1", "payments", "orders", 3, 2, 1_700_000_000_000L),
        List.of(back.transactionId(), back.producerGroup(), back.topic(), back.queueId(), back.checkCount(),
            back.preparedAtMs()));
    assertArrayEquals(check.message(), back.message());
  }

  @Test
  void messageStoredRoundTripsThroughTheMessageSerializer() {
    Queue.MessageStored stored = new Queue.MessageStored(fullMessage());
    Serializer serializer = serialization.findSerializerFor(stored);
    assertInstanceOf(MessageSerializer.class, serializer);
    assertEquals(7_301, serializer.identifier());
    assertEquals("MS", Serializers.manifestFor(serializer, stored));
    // the bytes are the protocol's Message, so clients and the store share one format
    assertArrayEquals(fullMessage().toByteArray(), serializer.toBinary(stored));
    assertEquals(stored, roundTrip(stored));
    // the serializer is registered under its identifier
    assertInstanceOf(MessageSerializer.class, serialization.serializerByIdentity().apply(7_301));
  }

  @Test
  void messageSerializerRoundTripsWithoutAnActorSystem() throws Exception {
    MessageSerializer serializer = new MessageSerializer();
    for (Message m : List.of(fullMessage(), Message.getDefaultInstance(),
        Message.newBuilder().setBody(ByteString.copyFrom(new byte[64 * 1024])).build())) {
      Queue.MessageStored stored = new Queue.MessageStored(m);
      byte[] bytes = serializer.toBinary(stored);
      assertEquals(stored, serializer.fromBinary(bytes, serializer.manifest(stored)));
    }
  }

  @Test
  void messageSerializerRefusesWhatItDoesNotKnow() {
    MessageSerializer serializer = new MessageSerializer();
    byte[] bytes = serializer.toBinary(new Queue.MessageStored(fullMessage()));
    NotSerializableException unknown =
        assertThrows(NotSerializableException.class, () -> serializer.fromBinary(bytes, "XX"));
    assertTrue(unknown.getMessage().contains("XX"), unknown.getMessage());
    // a truncated protobuf (the body's length prefix promises more bytes than follow)
    byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 2);
    assertThrows(NotSerializableException.class, () -> serializer.fromBinary(truncated, "MS"));
    assertThrows(IllegalArgumentException.class, () -> serializer.toBinary("not a message"));
    assertThrows(IllegalArgumentException.class, () -> serializer.manifest(new Queue.EndOffset(1)));
  }

  // ---- ClusterMessageSerializer ----

  static Stream<Object> clusterObjects() {
    Message big = fullMessage().toBuilder().setBody(ByteString.copyFrom(new byte[256 * 1024])).build();
    ActorRef<StatusReply<Queue.Appended>> appendReply = ref();
    ActorRef<StatusReply<Done>> scheduleReply = ref();
    return Stream.of(
        new Queue.Append(List.of(fullMessage(), big, Message.getDefaultInstance()), appendReply),
        new Queue.Append(List.of(fullMessage()), false, appendReply),
        new Queue.Appended(3, 1_700_000_000_123L, List.of(new Queue.Duplicate(1, 0), new Queue.Duplicate(4, 2))),
        new Queue.Appended(0, 0, List.of()),
        new GroupQueue.Pull(10, 1L << 20, false, 30_000,
            FilterExpression.newBuilder().setType(FilterExpression.Type.SQL92).setExpression("a > 1").build(), true, ref()),
        new GroupQueue.Pull(10, 30_000, FilterExpression.getDefaultInstance(), ref()),
        new GroupQueue.Pulled(List.of(new GroupQueue.Delivered(fullMessage(), Long.MAX_VALUE, 3, 1_700_000_030_000L),
            new GroupQueue.Delivered(big, -1, 1, 0))),
        new GroupQueue.Pulled(List.of()),
        new DelayTimer.Schedule(List.of(fullMessage().toBuilder().setDeliverAtMs(1_800_000_000_000L).build()),
            scheduleReply),
        new QueueTransactions.Prepare(List.of(fullMessage().toBuilder()
            .setTransaction(TransactionRef.newBuilder().setTransactionId("tx-1").setProducerGroup("payments"))
            .build()), ref()),
        new Replication.Hello("g1", "node-2", 3, 1L << 40, ref()),
        new Replication.Welcome(3, 4096, 0, 0),
        new Replication.Welcome(3, 4096, 1L << 30, 2),
        new Replication.Fetch("g1", "node-2", 3, 8192, 4096, ref()),
        new Replication.Chunk(3, 8192, ByteString.copyFrom(new byte[1 << 20]), 8192 + (1 << 20), 8000, 0),
        new Replication.Chunk(1, 0, ByteString.EMPTY, 0, 0, 0),
        new Replication.Reset(2, 1L << 30, 1),
        new Replication.Refused(2, "stale epoch 1"),
        controlled(GroupState.Status.PROMOTING),
        new ReplicaController.Report("g1", "n2", 3, 1L << 40, false, List.of("n1", "n2"), ref()),
        new ReplicaController.ChangeInSync("g1", "n1", 3, Set.of("n1", "n2"), ref()),
        new ReplicaController.SwitchMaster("g1", "", ref()),
        new ReplicaController.SwitchMaster("g1", "n2", ref()),
        new ReplicaController.ForceUncleanMaster("g1", "n2", "ticket OPS-42", ref()),
        new ReplicaController.Promoted("g1", "n2", 4),
        new ReplicaController.GetStates(ref()),
        new ReplicaController.States(7, Map.of("g1", controlled(GroupState.Status.ACTIVE),
            "g2", new GroupState("g2", "", "", 2, Set.of("n3"), GroupState.Status.OFFLINE, 7, 12))),
        new ReplicaController.Accepted(controlled(GroupState.Status.ACTIVE)),
        new ReplicaController.Refused("fenced"),
        new PromotionHook.Promote("g1", 4, Set.of("n2"), ref()));
  }

  private static GroupState controlled(GroupState.Status status) {
    return new GroupState("g1", "n1", "pekko://Sluice@10.0.0.1:2552", 3, Set.of("n1", "n2"), status, 5, 1L << 39);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clusterObjects")
  void clusterMessageRoundTrip(Object o) {
    assertInstanceOf(ClusterMessageSerializer.class, serialization.findSerializerFor(o),
        () -> o.getClass().getName() + " is not bound to the cluster serializer");
    Object back = roundTrip(o);
    assertEquals(o, back);
    assertNotSame(o, back);
  }

  @Test
  void appendReplyCarriesTheAppendedThroughTheClusterSerializer() {
    StatusReply<Queue.Appended> reply =
        StatusReply.success(new Queue.Appended(3, 4, List.of(new Queue.Duplicate(0, 1))));
    // Pekko's StatusReply serializer writes its payload with the payload's own binding
    assertEquals(reply, roundTrip(reply));
    assertEquals(StatusReply.error("full"), roundTrip(StatusReply.<Queue.Appended>error("full")));
  }

  @Test
  void clusterSerializerRefusesWhatItDoesNotKnow() {
    Serializer serializer = serialization.serializerByIdentity().apply(7_302);
    assertInstanceOf(ClusterMessageSerializer.class, serializer);
    ClusterMessageSerializer cluster = (ClusterMessageSerializer) serializer;
    byte[] bytes = cluster.toBinary(new Queue.Appended(1, 2, List.of()));
    assertThrows(NotSerializableException.class, () -> cluster.fromBinary(bytes, "XX"));
    byte[] append = cluster.toBinary(new Queue.Append(List.of(fullMessage()), ref()));
    assertThrows(NotSerializableException.class,
        () -> cluster.fromBinary(java.util.Arrays.copyOf(append, append.length - 2), "QA"));
    assertThrows(IllegalArgumentException.class, () -> cluster.manifest(new Queue.EndOffset(1)));
  }

  @Test
  void deliveredAloneHasNoSerializer() {
    // it only crosses inside a Pulled
    GroupQueue.Delivered delivered = new GroupQueue.Delivered(fullMessage(), 1, 1, 2);
    assertThrows(NotSerializableException.class, () -> serialization.findSerializerFor(delivered));
  }

  /** Every consumer-group command reaches a queue on another node inside a ForGroup. */
  @Test
  void forGroupRoundTrips() {
    ActorRef<StatusReply<Done>> nackReply = ref();
    ActorRef<StatusReply<GroupQueue.Renewed>> renewReply = ref();
    for (GroupQueue.Command command : List.<GroupQueue.Command>of(
        new GroupQueue.Pull(10, 1L << 20, true, 30_000,
            FilterExpression.newBuilder().setType(FilterExpression.Type.TAG).setExpression("a || b").build(), true, ref()),
        new GroupQueue.AwaitMessages(1_700_000_000_000L, ref()),
        new GroupQueue.Ack(List.of(new GroupQueue.Receipt(5, 77)), ref()),
        new GroupQueue.Nack(5, 77, 1_000, nackReply),
        new GroupQueue.ChangeInvisible(5, 77, 30_000, renewReply),
        new GroupQueue.Describe(ref()),
        new GroupQueue.ResetTo(12, ref()),
        new GroupQueue.Settle(List.of(3L, 5_000_000_000L), ref()),
        new GroupQueue.GetSettled(ref()),
        new GroupQueue.StartAt(12, ref()))) {
      Queue.ForGroup forGroup = new Queue.ForGroup("g#member-1", command);
      assertInstanceOf(ClusterMessageSerializer.class, serialization.findSerializerFor(forGroup));
      Object back = roundTrip(forGroup);
      assertEquals(forGroup, back, command.getClass().getSimpleName());
      assertNotSame(forGroup.command(), ((Queue.ForGroup) back).command());
    }
  }
}
