package io.sluice.persistence.journal;

import static io.sluice.persistence.journal.JournalWrites.atomic;
import static io.sluice.persistence.journal.JournalWrites.repr;
import static io.sluice.persistence.journal.JournalWrites.writeMessages;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoredRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.Tagged;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Journal behaviour beyond Pekko's TCK, on one ActorSystem; each test uses its own ids. */
class SluiceJournalTest {
  private static final Class<JournalProtocol.WriteMessageRejected> REJECTED =
      JournalProtocol.WriteMessageRejected.class;

  @TempDir static Path dir;
  static ActorSystem system;
  static ActorRef journal;
  static final AtomicInteger testCount = new AtomicInteger();

  String pid;
  TestKit probe;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("SluiceJournalTest", JournalTestConfig.create(dir));
    journal = JournalWrites.journal(system);
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void newPersistenceId() {
    pid = "j-" + testCount.incrementAndGet();
    probe = new TestKit(system);
  }

  @Test
  void rejectsAnAtomicWriteWithAnUnserializableEventWholeAndStoresTheRestOfTheBatch() {
    Object unserializable = new Object();
    List<AtomicWrite> batch =
        List.of(
            atomic(event("e-1", 1)),
            atomic(event("e-2", 2), event(unserializable, 3)),
            atomic(event("e-4", 4)),
            atomic(event("e-5", 5), event("e-6", 6)));
    journal.tell(writeMessages(batch, probe.getRef()), ActorRef.noSender());

    probe.expectMsg(JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    assertEquals(1, expectWritten());
    // every event of the rejected atomic write is rejected, the valid one too
    assertEquals(2, probe.expectMsgClass(REJECTED).message().sequenceNr());
    assertEquals(3, probe.expectMsgClass(REJECTED).message().sequenceNr());
    assertEquals(4, expectWritten());
    assertEquals(5, expectWritten());
    assertEquals(6, expectWritten());

    assertEquals(
        List.of("e-1", "e-4", "e-5", "e-6"),
        JournalWrites.replayPayloads(system, pid, 1, Long.MAX_VALUE, Long.MAX_VALUE, 6));
  }

  @Test
  void rejectsAnEventAboveMaxRecordSizeAndStoresTheRestOfTheBatch() {
    // max-record-size is capped at the 1 MiB segment size
    byte[] tooLarge = new byte[2 * 1024 * 1024];
    List<AtomicWrite> batch =
        List.of(atomic(event("e-1", 1)), atomic(event(tooLarge, 2)), atomic(event("e-3", 3)));
    journal.tell(writeMessages(batch, probe.getRef()), ActorRef.noSender());

    probe.expectMsg(JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    assertEquals(1, expectWritten());
    var rejected = probe.expectMsgClass(REJECTED);
    assertEquals(2, rejected.message().sequenceNr());
    assertInstanceOf(IllegalArgumentException.class, rejected.cause());
    assertEquals(3, expectWritten());

    assertEquals(
        List.of("e-1", "e-3"),
        JournalWrites.replayPayloads(system, pid, 1, Long.MAX_VALUE, Long.MAX_VALUE, 3));
  }

  @Test
  void countsOnlyRemainingEventsWhenAReplayWindowSpansADeletedPrefix() {
    JournalWrites.write(system, pid, 1, 5);
    JournalWrites.deleteTo(system, pid, 3);

    assertEquals(List.of("e-4", "e-5"), JournalWrites.replayPayloads(system, pid, 1, 5, 2, 5));
  }

  @Test
  void storesTheTagsOfTaggedEventsAndReplaysTheBarePayload() throws Exception {
    Tagged tagged =
        new Tagged("e-1", Set.of("tag:orders", "key:" + pid + "-k", "id:" + pid + "-m", "plain"));
    journal.tell(
        writeMessages(List.of(atomic(event(tagged, 1))), probe.getRef()), ActorRef.noSender());
    probe.expectMsg(JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    probe.expectMsgClass(JournalProtocol.WriteMessageSuccess.class);

    assertEquals(
        List.of("e-1"),
        JournalWrites.replayPayloads(system, pid, 1, Long.MAX_VALUE, Long.MAX_VALUE, 1));
    MessageStore store = SluiceStores.get(system).storeFor(JournalTestConfig.JOURNAL_ID);
    List<StoredRecord> byKey = store.lookupByKey(pid + "-k", 0, Long.MAX_VALUE, 10);
    assertEquals(1, byKey.size());
    assertEquals(
        Set.of("tag:orders", "key:" + pid + "-k", "id:" + pid + "-m", "plain"),
        Set.copyOf(byKey.get(0).tags()));
    List<StoredRecord> byId = store.lookupByMessageId(pid + "-m", 10);
    assertEquals(1, byId.size());
    assertEquals(pid, byId.get(0).persistenceId());
  }

  @Test
  void keepsPerIdOrderWhenManyIdsWriteConcurrently() throws Exception {
    int ids = 64;
    int eventsPerId = 200;
    int eventsPerRequest = 10;
    ExecutorService writers = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int n = 0; n < ids; n++) {
        String id = pid + "-" + n;
        done.add(writers.submit(() -> writePipelined(id, eventsPerId, eventsPerRequest)));
      }
      for (Future<?> f : done) {
        f.get(180, TimeUnit.SECONDS);
      }
    } finally {
      writers.shutdownNow();
    }

    for (int n = 0; n < ids; n++) {
      String id = pid + "-" + n;
      List<String> expected = new ArrayList<>();
      for (int s = 1; s <= eventsPerId; s++) {
        expected.add(id + "/" + s);
      }
      assertEquals(
          expected,
          JournalWrites.replayPayloads(system, id, 1, Long.MAX_VALUE, Long.MAX_VALUE, eventsPerId),
          id);
    }
  }

  /**
   * Sends every request of {@code id} without waiting for the previous one (as {@code persistAsync}
   * may), atomic writes of one and two events alternating, then checks the replies.
   */
  private void writePipelined(String id, int events, int eventsPerRequest) {
    TestKit writer = new TestKit(system);
    long next = 1;
    while (next <= events) {
      List<AtomicWrite> request = new ArrayList<>();
      long end = next + eventsPerRequest;
      while (next < end) {
        if (request.size() % 2 == 1 && next + 1 < end) {
          request.add(
              atomic(
                  repr(id + "/" + next, next, id, ActorRef.noSender(), id),
                  repr(id + "/" + (next + 1), next + 1, id, ActorRef.noSender(), id)));
          next += 2;
        } else {
          request.add(atomic(repr(id + "/" + next, next, id, ActorRef.noSender(), id)));
          next++;
        }
      }
      journal.tell(writeMessages(request, writer.getRef()), ActorRef.noSender());
    }
    long expected = 1;
    for (int r = 0; r < events / eventsPerRequest; r++) {
      writer.expectMsg(JournalProtocol.WriteMessagesSuccessful$.MODULE$);
      for (int i = 0; i < eventsPerRequest; i++) {
        PersistentRepr written =
            writer.expectMsgClass(JournalProtocol.WriteMessageSuccess.class).persistent();
        assertEquals(expected++, written.sequenceNr(), id);
      }
    }
  }

  /** The sequence nr of the next write confirmation {@link #probe} receives. */
  private long expectWritten() {
    return probe
        .expectMsgClass(JournalProtocol.WriteMessageSuccess.class)
        .persistent()
        .sequenceNr();
  }

  private PersistentRepr event(Object payload, long sequenceNr) {
    return repr(payload, sequenceNr, pid, ActorRef.noSender(), "writer-" + pid);
  }
}
