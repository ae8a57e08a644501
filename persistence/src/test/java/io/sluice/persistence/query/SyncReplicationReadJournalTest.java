package io.sluice.persistence.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.sluice.persistence.journal.JournalTestConfig;
import io.sluice.persistence.journal.JournalWrites;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queries with {@code sync} replication see only committed events. Events are appended to the store
 * directly (a sync journal write would wait for the commit); replica {@code r1} is in sync and the
 * test moves its confirmed position, which is what commits.
 */
class SyncReplicationReadJournalTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Duration QUIET = Duration.ofMillis(300);

  @TempDir static Path dir;
  static ActorSystem system;
  static SluiceReadJournal queries;
  static MessageStore store;
  static final AtomicInteger testCount = new AtomicInteger();

  String pid;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("SyncReplicationReadJournalTest",
        ConfigFactory.parseString("sluice.persistence.journal.replication.mode = sync")
            .withFallback(JournalTestConfig.create(dir)));
    queries = PersistenceQuery.get(system).getReadJournalFor(SluiceReadJournal.class, SluiceReadJournal.IDENTIFIER);
    store = SluiceStores.get(system).storeFor(JournalTestConfig.JOURNAL_ID);
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void replicaInSync() {
    pid = "sq-" + testCount.incrementAndGet();
    store.commits().setInSync(Set.of("r1"));
    commitAll();
  }

  @Test
  void aLiveQueryEmitsAnEventOnlyOnceItIsCommitted() throws Exception {
    append(1, "tag:A");
    commitAll();
    var probe = run(queries.eventsByPersistenceId(pid, 1, Long.MAX_VALUE));
    probe.request(10);
    expectEvent(probe.expectNext(TIMEOUT), 1);

    append(2, "tag:A");
    probe.expectNoMessage(QUIET);
    commitAll();
    expectEvent(probe.expectNext(TIMEOUT), 2);
    probe.cancel();
  }

  @Test
  void aLiveQueryWaitingForAnUncommittedEventWakesWhenOnlyTheCommitMoves() throws Exception {
    append(1);
    var probe = run(queries.eventsByPersistenceId(pid, 1, Long.MAX_VALUE));
    probe.request(10);
    probe.expectNoMessage(QUIET);
    commitAll();
    expectEvent(probe.expectNext(TIMEOUT), 1);
    probe.cancel();
  }

  @Test
  void aLiveTagFilteredQueryEmitsAnEventOnlyOnceItIsCommitted() throws Exception {
    append(1, "tag:A");
    commitAll();
    var probe = run(queries.eventsByPersistenceIdAndTags(pid, 1, Long.MAX_VALUE, Set.of("tag:A")));
    probe.request(10);
    expectEvent(probe.expectNext(TIMEOUT), 1);

    append(2, "tag:A");
    probe.expectNoMessage(QUIET);
    commitAll();
    expectEvent(probe.expectNext(TIMEOUT), 2);
    probe.cancel();
  }

  @Test
  void currentQueriesEndBeforeTheFirstUncommittedEvent() throws Exception {
    append(1, "tag:A");
    append(2, "tag:A");
    commitAll();
    append(3, "tag:A");

    var all = run(queries.currentEventsByPersistenceId(pid, 1, Long.MAX_VALUE));
    all.request(10);
    expectEvent(all.expectNext(TIMEOUT), 1);
    expectEvent(all.expectNext(TIMEOUT), 2);
    all.expectComplete();

    var tagged = run(queries.currentEventsByPersistenceIdAndTags(pid, 1, Long.MAX_VALUE, Set.of("tag:A")));
    tagged.request(10);
    expectEvent(tagged.expectNext(TIMEOUT), 1);
    expectEvent(tagged.expectNext(TIMEOUT), 2);
    tagged.expectComplete();
  }

  @Test
  void theWritersLocalQueryReadsUncommittedEventsToo() throws Exception {
    append(1);
    commitAll();
    append(2);
    var local = run(queries.currentLocalEventsByPersistenceId(pid, 1, Long.MAX_VALUE));
    local.request(10);
    expectEvent(local.expectNext(TIMEOUT), 1);
    expectEvent(local.expectNext(TIMEOUT), 2);
    local.expectComplete();
  }

  @Test
  void journalReplayReadsUncommittedEvents() throws Exception {
    append(1);
    commitAll();
    append(2);
    assertEquals(List.of("e-1", "e-2"), JournalWrites.replayPayloads(system, pid, 1, Long.MAX_VALUE, Long.MAX_VALUE, 2));
  }

  private static void commitAll() {
    store.commits().confirmed("r1", store.confirmedPosition());
  }

  private void append(long sequenceNr, String... tags) throws Exception {
    store.append(List.of(record(sequenceNr, tags))).get(30, TimeUnit.SECONDS);
  }

  private static <T> TestSubscriber.Probe<T> run(Source<T, ?> source) {
    return source.runWith(TestSink.create(system), system);
  }

  private void expectEvent(EventEnvelope envelope, long sequenceNr) {
    assertEquals(pid, envelope.persistenceId());
    assertEquals(sequenceNr, envelope.sequenceNr());
    assertEquals("e-" + sequenceNr, envelope.event());
  }

  /** An event as the journal would store it: a String through Pekko serialization. */
  private EventRecord record(long sequenceNr, String... tags) {
    String event = "e-" + sequenceNr;
    Serialization serialization = SerializationExtension.get(system);
    Serializer serializer = serialization.findSerializerFor(event);
    return new EventRecord(
        pid, sequenceNr, "sync-writer", List.of(tags), serializer.identifier(),
        Serializers.manifestFor(serializer, event), "", serialization.serialize(event).get());
  }
}
