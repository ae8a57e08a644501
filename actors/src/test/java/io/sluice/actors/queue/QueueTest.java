package io.sluice.actors.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.serialization.MessageSerializer;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoredRecord;
import io.sluice.protocol.v1.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Queue entity, sharded as the node runs it, on the real Sluice journal. */
class QueueTest {
  private static final Duration FIRST_REPLY = Duration.ofSeconds(30);

  @TempDir static Path dir;
  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("QueueTest", ActorsTestConfig.create(dir));
    ActorsTestConfig.joinSelf(testKit.system());
    Queue.init(testKit.system(), ActorsTestConfig.READ_JOURNAL);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static Message message(String id, String tag, String... keys) {
    return Message.newBuilder()
        .setMessageId(id)
        .setTag(tag)
        .addAllKeys(List.of(keys))
        .putProperties("p", "v-" + id)
        .setBody(ByteString.copyFromUtf8("body of " + id))
        .setBornTimestampMs(1_000)
        .build();
  }

  static List<Message> messages(String prefix, int count) {
    List<Message> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(message(prefix + "-" + i, ""));
    }
    return out;
  }

  static EntityRef<Queue.Command> queue(ActorSystem<?> system, String entityId) {
    return ClusterSharding.get(system).entityRefFor(Queue.ENTITY_KEY, entityId);
  }

  static Queue.Appended append(ActorTestKit kit, EntityRef<Queue.Command> queue, List<Message> batch) {
    TestProbe<StatusReply<Queue.Appended>> probe = kit.createTestProbe();
    queue.tell(new Queue.Append(batch, probe.getRef()));
    StatusReply<Queue.Appended> reply = probe.receiveMessage(FIRST_REPLY);
    assertTrue(reply.isSuccess(), () -> "append failed: " + reply);
    return reply.getValue();
  }

  static long endOffset(ActorTestKit kit, EntityRef<Queue.Command> queue) {
    TestProbe<Queue.EndOffset> probe = kit.createTestProbe();
    queue.tell(new Queue.GetEndOffset(probe.getRef()));
    return probe.receiveMessage(FIRST_REPLY).offset();
  }

  /** Every event of the queue, through the read journal the GroupQueue uses. */
  static List<EventEnvelope> events(ActorSystem<?> system, String entityId) throws Exception {
    CurrentEventsByPersistenceIdQuery query =
        PersistenceQuery.get(Adapter.toClassic(system))
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, ActorsTestConfig.READ_JOURNAL);
    return query
        .currentEventsByPersistenceId(Queue.persistenceIdOf(entityId).id(), 0, Long.MAX_VALUE)
        .runWith(Sink.seq(), system)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  static MessageStore store(ActorSystem<?> system) {
    return SluiceStores.get(Adapter.toClassic(system)).storeFor(ActorsTestConfig.JOURNAL);
  }

  @Test
  void appendRepliesWithConsecutiveOffsetsAcrossBatches() throws Exception {
    EntityRef<Queue.Command> q = queue(testKit.system(), "offsets/0");
    assertEquals(0, endOffset(testKit, q));
    assertEquals(0, append(testKit, q, messages("a", 3)).firstOffset());
    assertEquals(3, endOffset(testKit, q));
    assertEquals(3, append(testKit, q, messages("b", 1)).firstOffset());
    assertEquals(4, append(testKit, q, messages("c", 5)).firstOffset());
    assertEquals(9, endOffset(testKit, q));

    // offset = sequence number - 1, dense, in append order
    List<EventEnvelope> events = events(testKit.system(), "offsets/0");
    assertEquals(9, events.size());
    List<String> ids = new ArrayList<>();
    for (EventEnvelope e : events) {
      Message m = ((Queue.MessageStored) e.event()).message();
      assertEquals(e.sequenceNr() - 1, m.getOffset());
      ids.add(m.getMessageId());
    }
    assertEquals(List.of("a-0", "a-1", "a-2", "b-0", "c-0", "c-1", "c-2", "c-3", "c-4"), ids);
  }

  @Test
  void pipelinedAppendsGetDisjointConsecutiveRanges() {
    EntityRef<Queue.Command> q = queue(testKit.system(), "pipelined/0");
    TestProbe<StatusReply<Queue.Appended>> probe = testKit.createTestProbe();
    int[] sizes = {2, 5, 1, 3, 4};
    for (int i = 0; i < sizes.length; i++) {
      q.tell(new Queue.Append(messages("p" + i, sizes[i]), probe.getRef()));
    }
    long expectedFirst = 0;
    for (int size : sizes) {
      StatusReply<Queue.Appended> reply = probe.receiveMessage(FIRST_REPLY);
      assertEquals(expectedFirst, reply.getValue().firstOffset(), "replies come in command order");
      expectedFirst += size;
    }
    assertEquals(expectedFirst, endOffset(testKit, q));
  }

  @Test
  void anEmptyAppendStoresNothing() throws Exception {
    EntityRef<Queue.Command> q = queue(testKit.system(), "empty/0");
    append(testKit, q, messages("x", 2));
    assertEquals(2, append(testKit, q, List.of()).firstOffset());
    assertEquals(2, endOffset(testKit, q));
    assertEquals(2, events(testKit.system(), "empty/0").size());
    assertEquals(2, append(testKit, q, messages("y", 1)).firstOffset());
  }

  @Test
  void consumerGroupsAreReachedThroughTheShardedQueue() {
    EntityRef<Queue.Command> q = queue(testKit.system(), "grouped/2");
    append(testKit, q, messages("g", 3));
    List<Long> offsets = new ArrayList<>();
    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(FIRST_REPLY, Duration.ofMillis(50), () -> {
      TestProbe<io.sluice.actors.consume.GroupQueue.Pulled> probe = testKit.createTestProbe();
      q.tell(new Queue.ForGroup("group a/b", // a name that needs escaping as an actor name
          new io.sluice.actors.consume.GroupQueue.Pull(10, 60_000, io.sluice.protocol.v1.FilterExpression.getDefaultInstance(), probe.getRef())));
      probe.receiveMessage(FIRST_REPLY).deliveries().forEach(d -> offsets.add(d.message().getOffset()));
      assertEquals(List.of(0L, 1L, 2L), offsets);
      return null;
    });
    TestProbe<io.sluice.actors.consume.GroupQueue.Progress> progress = testKit.createTestProbe();
    q.tell(new Queue.ForGroup("group a/b", new io.sluice.actors.consume.GroupQueue.Describe(progress.getRef())));
    assertEquals(3, progress.receiveMessage(FIRST_REPLY).inFlight(), "the same group state answers");
  }

  @Test
  void brokerFieldsAreSetAndTheRestIsKept() throws Exception {
    EntityRef<Queue.Command> q = queue(testKit.system(), "fields/3");
    append(testKit, q, messages("pad", 2));
    // what a client might have put in the broker fields is overwritten
    Message sent = message("m-1", "TagA", "k1", "k2").toBuilder()
        .setTopic("other-topic").setQueueId(99).setOffset(12345).setStoreTimestampMs(1).build();
    long before = System.currentTimeMillis();
    Queue.Appended appended = append(testKit, q, List.of(sent, message("m-2", "")));
    long after = System.currentTimeMillis();
    assertEquals(2, appended.firstOffset());
    assertTrue(appended.storeTimestampMs() >= before && appended.storeTimestampMs() <= after,
        "store timestamp " + appended.storeTimestampMs() + " not within [" + before + ", " + after + "]");

    List<EventEnvelope> events = events(testKit.system(), "fields/3");
    Message stored = ((Queue.MessageStored) events.get(2).event()).message();
    Message expected = sent.toBuilder()
        .setTopic("fields").setQueueId(3).setOffset(2).setStoreTimestampMs(appended.storeTimestampMs()).build();
    assertEquals(expected, stored);
    Message second = ((Queue.MessageStored) events.get(3).event()).message();
    assertEquals(3, second.getOffset());
    assertEquals(appended.storeTimestampMs(), second.getStoreTimestampMs(), "one timestamp per batch");
  }

  @Test
  void storedEventsUseTheMessageSerializerAndCarryIndexTags() throws Exception {
    EntityRef<Queue.Command> q = queue(testKit.system(), "tags/0");
    append(testKit, q, List.of(
        message("id-1", "TagA", "order-17", "user-4"),
        message("id-2", "")));
    MessageStore store = store(testKit.system());
    List<StoredRecord> records = store.read(Queue.persistenceIdOf("tags/0").id(), 1, Long.MAX_VALUE, 10);
    assertEquals(2, records.size());

    StoredRecord first = records.get(0);
    assertEquals(Set.of("id:id-1", "tag:TagA", "key:order-17", "key:user-4"), Set.copyOf(first.tags()));
    assertEquals(new MessageSerializer().identifier(), first.serializerId());
    assertEquals("MS", first.manifest());
    // the payload is the protobuf Message itself, broker fields included
    Message payload = Message.parseFrom(first.payload());
    assertEquals("id-1", payload.getMessageId());
    assertEquals("tags", payload.getTopic());
    assertEquals(0, payload.getOffset());

    // no tag: no "tag:" tag, so the message hashes to no filter tag
    assertEquals(Set.of("id:id-2"), Set.copyOf(records.get(1).tags()));

    // the storage's indexes find the message by key and by id
    List<StoredRecord> byKey = store.lookupByKey("user-4", 0, Long.MAX_VALUE, 10);
    assertEquals(1, byKey.size());
    assertEquals(first.position(), byKey.get(0).position());
    List<StoredRecord> byId = store.lookupByMessageId("id-2", 10);
    assertEquals(1, byId.size());
    assertEquals(records.get(1).position(), byId.get(0).position());

    // and the serializer bound to MessageStored is the MessageSerializer
    assertEquals(MessageSerializer.class,
        SerializationExtension.get(Adapter.toClassic(testKit.system()))
            .findSerializerFor(new Queue.MessageStored(payload)).getClass());
  }

  @Test
  void offsetsContinueAfterARestartOfTheActorSystem(@TempDir Path restartDir) throws Exception {
    // more than the 10 000 events between snapshots, so the second system recovers from a snapshot
    // plus the events after it
    int batches = 10;
    int batchSize = 1_000;
    ActorTestKit first = ActorTestKit.create("QueueRestart1", ActorsTestConfig.create(restartDir));
    try {
      ActorsTestConfig.joinSelf(first.system());
      Queue.init(first.system(), ActorsTestConfig.READ_JOURNAL);
      EntityRef<Queue.Command> q = queue(first.system(), "restart/1");
      for (int b = 0; b < batches; b++) {
        assertEquals((long) b * batchSize, append(first, q, messages("b" + b, batchSize)).firstOffset());
      }
      assertEquals(10_000, append(first, q, messages("tail", 3)).firstOffset());
      assertEquals(10_003, endOffset(first, q));
      // the snapshot at sequence number 10 000 is written asynchronously
      TestProbe<Object> waiter = first.createTestProbe();
      MessageStore store = SluiceStores.get(Adapter.toClassic(first.system())).storeFor(ActorsTestConfig.JOURNAL);
      String snapshots = "snapshot|" + Queue.persistenceIdOf("restart/1").id();
      waiter.awaitAssert(FIRST_REPLY, () -> {
        assertTrue(store.highestSequenceNr(snapshots) > 0, "a snapshot in the log under " + snapshots);
        return null;
      });
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = ActorTestKit.create("QueueRestart2", ActorsTestConfig.create(restartDir));
    try {
      ActorsTestConfig.joinSelf(second.system());
      Queue.init(second.system(), ActorsTestConfig.READ_JOURNAL);
      EntityRef<Queue.Command> q = queue(second.system(), "restart/1");
      assertEquals(10_003, endOffset(second, q));
      assertEquals(10_003, append(second, q, messages("after", 2)).firstOffset());
      assertEquals(10_005, endOffset(second, q));
      List<EventEnvelope> events = events(second.system(), "restart/1");
      assertEquals(10_005, events.size());
      for (int i = 0; i < events.size(); i++) {
        assertEquals(i, ((Queue.MessageStored) events.get(i).event()).message().getOffset());
      }
      // another queue of the same topic is its own log
      assertEquals(0, endOffset(second, queue(second.system(), "restart/0")));
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void aLaterIncarnationOfATopicIsAnEmptyQueueWhoseMessagesNameTheTopic() throws Exception {
    append(testKit, queue(testKit.system(), Queue.entityId("twice", 0, 1)), messages("old", 2));
    EntityRef<Queue.Command> q = queue(testKit.system(), Queue.entityId("twice", 1, 1));
    assertEquals(0, endOffset(testKit, q));
    append(testKit, q, List.of(message("old-0", "")));
    Message stored = ((Queue.MessageStored) events(testKit.system(), "twice@1/1").get(0).event()).message();
    assertEquals(List.of("twice", 1, 0L, "old-0"),
        List.of(stored.getTopic(), stored.getQueueId(), stored.getOffset(), stored.getMessageId()),
        "an id of the deleted incarnation is no duplicate in the new one");
  }

  @Test
  void aResentMessageIdIsNotStoredAgainAndIsAnsweredWithItsFirstOffset() throws Exception {
    EntityRef<Queue.Command> q = queue(testKit.system(), "dedup/0");
    append(testKit, q, messages("first", 3));
    // a resend of first-1 between two new messages, and one id twice in one batch
    Queue.Appended appended = append(testKit, q,
        List.of(message("new-0", ""), message("first-1", ""), message("new-1", ""), message("new-0", "")));
    assertEquals(List.of(new Queue.Duplicate(1, 1), new Queue.Duplicate(3, 3)), appended.duplicates());
    assertEquals(List.of(3L, 1L, 4L, 3L), List.of(appended.offsetOf(0), appended.offsetOf(1),
        appended.offsetOf(2), appended.offsetOf(3)));
    assertEquals(5, appended.endOffset(4));
    assertEquals(5, endOffset(testKit, q));
    // a batch of resends only stores nothing
    Queue.Appended again = append(testKit, q, List.of(message("first-0", ""), message("new-1", "")));
    assertEquals(List.of(0L, 4L), List.of(again.offsetOf(0), again.offsetOf(1)));
    List<String> ids = events(testKit.system(), "dedup/0").stream()
        .map(e -> ((Queue.MessageStored) e.event()).message().getMessageId()).toList();
    assertEquals(List.of("first-0", "first-1", "first-2", "new-0", "new-1"), ids);
  }

  @Test
  void anAppendWithoutDedupStoresAKnownIdAgain() {
    EntityRef<Queue.Command> q = queue(testKit.system(), "redrive/0");
    append(testKit, q, messages("r", 2));
    TestProbe<StatusReply<Queue.Appended>> probe = testKit.createTestProbe();
    q.tell(new Queue.Append(List.of(message("r-0", "")), false, probe.getRef()));
    Queue.Appended redriven = probe.receiveMessage(FIRST_REPLY).getValue();
    assertEquals(List.of(), redriven.duplicates(), "a redrive stores the message again on purpose");
    assertEquals(2, redriven.firstOffset());
    assertEquals(3, endOffset(testKit, q));
  }

  @Test
  void theDedupWindowIsRebuiltFromTheJournalAfterARestart(@TempDir Path restartDir) throws Exception {
    ActorTestKit first = ActorTestKit.create("DedupRestart1", ActorsTestConfig.create(restartDir));
    try {
      ActorsTestConfig.joinSelf(first.system());
      Queue.init(first.system(), ActorsTestConfig.READ_JOURNAL);
      append(first, queue(first.system(), "dedup-restart/0"), messages("before", 5));
    } finally {
      first.shutdownTestKit();
    }
    ActorTestKit second = ActorTestKit.create("DedupRestart2", ActorsTestConfig.create(restartDir));
    try {
      ActorsTestConfig.joinSelf(second.system());
      Queue.init(second.system(), ActorsTestConfig.READ_JOURNAL);
      EntityRef<Queue.Command> q = queue(second.system(), "dedup-restart/0");
      Queue.Appended resent = append(second, q, List.of(message("before-4", ""), message("after-0", "")));
      assertEquals(List.of(new Queue.Duplicate(0, 4)), resent.duplicates());
      assertEquals(5, resent.offsetOf(1));
      assertEquals(6, endOffset(second, q));
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void theDedupWindowForgetsTheOldestIdsBeyondMaxIds() {
    ActorRef<Queue.Command> q = testKit.spawn(Queue.create("dedup-small/0", ActorsTestConfig.READ_JOURNAL,
        new DedupSettings(Duration.ofMinutes(10), 2)));
    TestProbe<StatusReply<Queue.Appended>> probe = testKit.createTestProbe();
    q.tell(new Queue.Append(messages("m", 3), probe.getRef()));
    probe.receiveMessage(FIRST_REPLY);
    q.tell(new Queue.Append(List.of(message("m-0", ""), message("m-2", "")), probe.getRef()));
    Queue.Appended resent = probe.receiveMessage(FIRST_REPLY).getValue();
    assertEquals(List.of(new Queue.Duplicate(1, 2)), resent.duplicates(), "m-0 fell out of a window of 2");
    assertEquals(3, resent.offsetOf(0));
  }
}
