package io.sluice.persistence.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.DeleteSnapshotSuccess;
import org.apache.pekko.persistence.DeleteSnapshotsSuccess;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.SaveSnapshotSuccess;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;

/**
 * Pekko's snapshot store TCK ({@code persistence-tck/.../snapshot/SnapshotStoreSpec.scala}, which
 * is ScalaTest) ported to JUnit Jupiter, one test per TCK case; each test's comment names its case.
 * As in the TCK, every test starts with five snapshots {@code s-1..s-5} at sequence nrs 11..15 of
 * its own persistence id. Each store runs it through a subclass giving its ActorSystem config.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SnapshotStoreTck {

  ActorSystem system;
  final AtomicInteger testCount = new AtomicInteger();

  String pid;
  TestKit senderProbe;
  List<SnapshotMetadata> metadata;

  /** The config whose default snapshot store is the one under test, with files under {@code dir}. */
  abstract Config config(Path dir);

  @BeforeAll
  void startSystem(@TempDir Path dir) {
    system = ActorSystem.create(getClass().getSimpleName(), config(dir));
  }

  @AfterAll
  void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void writeSnapshots() {
    pid = "tck-" + testCount.incrementAndGet();
    senderProbe = new TestKit(system);
    metadata =
        IntStream.rangeClosed(1, 5)
            .mapToObj(i -> save(SnapshotMetadata.apply(pid, i + 10), "s-" + i))
            .toList();
  }

  // TCK: "not load a snapshot given an invalid persistenceId"
  @Test
  void loadsNothingForUnknownPersistenceId() {
    load("invalid", SnapshotSelectionCriteria.latest(), Long.MAX_VALUE);
    senderProbe.expectMsg(noSnapshot(Long.MAX_VALUE));
  }

  // TCK: "not load a snapshot given non-matching timestamp criteria"
  @Test
  void loadsNothingWhenTimestampCriteriaDoNotMatch() {
    load(pid, SnapshotSelectionCriteria.create(Long.MAX_VALUE, 100), Long.MAX_VALUE);
    senderProbe.expectMsg(noSnapshot(Long.MAX_VALUE));
  }

  // TCK: "not load a snapshot given non-matching sequence number criteria"
  @Test
  void loadsNothingWhenSequenceNrCriteriaDoNotMatch() {
    load(pid, SnapshotSelectionCriteria.create(7, Long.MAX_VALUE), Long.MAX_VALUE);
    senderProbe.expectMsg(noSnapshot(Long.MAX_VALUE));
    load(pid, SnapshotSelectionCriteria.latest(), 7);
    senderProbe.expectMsg(noSnapshot(7));
  }

  // TCK: "load the most recent snapshot"
  @Test
  void loadsMostRecentSnapshot() {
    load(pid, SnapshotSelectionCriteria.latest(), Long.MAX_VALUE);
    senderProbe.expectMsg(snapshot(metadata.get(4), "s-5", Long.MAX_VALUE));
  }

  // TCK: "load the most recent snapshot matching an upper sequence number bound"
  @Test
  void loadsMostRecentSnapshotUpToSequenceNr() {
    load(pid, SnapshotSelectionCriteria.create(13, Long.MAX_VALUE), Long.MAX_VALUE);
    senderProbe.expectMsg(snapshot(metadata.get(2), "s-3", Long.MAX_VALUE));
    load(pid, SnapshotSelectionCriteria.latest(), 13);
    senderProbe.expectMsg(snapshot(metadata.get(2), "s-3", 13));
  }

  // TCK: "load the most recent snapshot matching upper sequence number and timestamp bounds"
  @Test
  void loadsMostRecentSnapshotUpToSequenceNrAndTimestamp() {
    long timestamp = metadata.get(2).timestamp();
    load(pid, SnapshotSelectionCriteria.create(13, timestamp), Long.MAX_VALUE);
    senderProbe.expectMsg(snapshot(metadata.get(2), "s-3", Long.MAX_VALUE));
    load(pid, SnapshotSelectionCriteria.create(Long.MAX_VALUE, timestamp), 13);
    senderProbe.expectMsg(snapshot(metadata.get(2), "s-3", 13));
  }

  // TCK: "delete a single snapshot identified by sequenceNr in snapshot metadata"
  @Test
  void deletesSingleSnapshotBySequenceNr() {
    // timestamp 0: the TCK does not care about the timestamp when deleting one snapshot
    SnapshotMetadata md = new SnapshotMetadata(pid, metadata.get(2).sequenceNr(), 0L);
    var cmd = new SnapshotProtocol.DeleteSnapshot(md);
    TestKit sub = new TestKit(system);
    system.getEventStream().subscribe(sub.getRef(), SnapshotProtocol.DeleteSnapshot.class);

    store().tell(cmd, senderProbe.getRef());
    sub.expectMsg(cmd);
    senderProbe.expectMsg(new DeleteSnapshotSuccess(md));

    load(pid, SnapshotSelectionCriteria.create(md.sequenceNr(), Long.MAX_VALUE), Long.MAX_VALUE);
    senderProbe.expectMsg(snapshot(metadata.get(1), "s-2", Long.MAX_VALUE));
    system.getEventStream().unsubscribe(sub.getRef());
  }

  // TCK: "delete all snapshots matching upper sequence number and timestamp bounds"
  @Test
  void deletesAllSnapshotsUpToSequenceNrAndTimestamp() {
    SnapshotMetadata md = metadata.get(2);
    var criteria = SnapshotSelectionCriteria.create(md.sequenceNr(), md.timestamp());
    var cmd = new SnapshotProtocol.DeleteSnapshots(pid, criteria);
    TestKit sub = new TestKit(system);
    system.getEventStream().subscribe(sub.getRef(), SnapshotProtocol.DeleteSnapshots.class);

    store().tell(cmd, senderProbe.getRef());
    sub.expectMsg(cmd);
    senderProbe.expectMsg(new DeleteSnapshotsSuccess(criteria));

    load(pid, SnapshotSelectionCriteria.create(md.sequenceNr(), md.timestamp()), Long.MAX_VALUE);
    senderProbe.expectMsg(noSnapshot(Long.MAX_VALUE));
    SnapshotMetadata md3 = metadata.get(3);
    load(pid, SnapshotSelectionCriteria.create(md3.sequenceNr(), md3.timestamp()), Long.MAX_VALUE);
    senderProbe.expectMsg(snapshot(md3, "s-4", Long.MAX_VALUE));
    system.getEventStream().unsubscribe(sub.getRef());
  }

  // TCK: "not delete snapshots with non-matching upper timestamp bounds"
  @Test
  void keepsSnapshotsNewerThanTimestampBound() {
    SnapshotMetadata md = metadata.get(3);
    var criteria = SnapshotSelectionCriteria.create(md.sequenceNr(), md.timestamp() - 1);
    var cmd = new SnapshotProtocol.DeleteSnapshots(pid, criteria);
    TestKit sub = new TestKit(system);
    system.getEventStream().subscribe(sub.getRef(), SnapshotProtocol.DeleteSnapshots.class);

    store().tell(cmd, senderProbe.getRef());
    sub.expectMsg(cmd);
    senderProbe.expectMsg(new DeleteSnapshotsSuccess(criteria));

    load(pid, SnapshotSelectionCriteria.create(md.sequenceNr(), md.timestamp()), Long.MAX_VALUE);
    senderProbe.expectMsg(snapshot(md, "s-4", Long.MAX_VALUE));
    system.getEventStream().unsubscribe(sub.getRef());
  }

  // TCK: "save and overwrite snapshot with same sequence number"
  @Test
  void overwritesSnapshotWithSameSequenceNr() {
    SnapshotMetadata md = metadata.get(4);
    SnapshotMetadata md2 = save(md, "s-5-modified");
    assertEquals(md.sequenceNr(), md2.sequenceNr());

    load(pid, SnapshotSelectionCriteria.create(md.sequenceNr(), Long.MAX_VALUE), Long.MAX_VALUE);
    var result = senderProbe.expectMsgClass(SnapshotProtocol.LoadSnapshotResult.class);
    assertEquals("s-5-modified", result.snapshot().get().snapshot());
    assertEquals(md.sequenceNr(), result.snapshot().get().metadata().sequenceNr());
  }

  // TCK: "save bigger size snapshot (10000 bytes)"
  @Test
  void savesSnapshotOfTenThousandBytes() {
    save(SnapshotMetadata.apply(pid, 100), "0".repeat(10_000));
  }

  // TCK (optional, supportsSerialization): "serialize snapshots"
  @Test
  void serializesSnapshotsWithPekkoSerialization() {
    TestKit probe = new TestKit(system);
    var snap = new ProbePayload(probe.getRef());
    save(SnapshotMetadata.apply(pid, 100), snap);

    load(pid, SnapshotSelectionCriteria.latest(), Long.MAX_VALUE);
    var result = senderProbe.expectMsgClass(SnapshotProtocol.LoadSnapshotResult.class);
    assertEquals(Long.MAX_VALUE, result.toSequenceNr());
    SelectedSnapshot selected = result.snapshot().get();
    assertEquals(pid, selected.metadata().persistenceId());
    assertEquals(100, selected.metadata().sequenceNr());
    assertEquals(snap, selected.snapshot());
  }

  // TCK (optional, supportsMetadata): "store metadata"
  @Test
  void storesSnapshotMetadata() {
    String fictionalMeta = "fictional metadata";
    save(SnapshotMetadata.apply(pid, 100).withMetadata(fictionalMeta), "snap");

    load(pid, SnapshotSelectionCriteria.latest(), Long.MAX_VALUE);
    var result = senderProbe.expectMsgClass(SnapshotProtocol.LoadSnapshotResult.class);
    SelectedSnapshot selected = result.snapshot().get();
    assertEquals(pid, selected.metadata().persistenceId());
    assertEquals(100, selected.metadata().sequenceNr());
    assertEquals("snap", selected.snapshot());
    assertEquals(Option.apply(fictionalMeta), selected.metadata().metadata());
  }

  private ActorRef store() {
    return Persistence.get(system)
        .snapshotStoreFor(null, com.typesafe.config.ConfigFactory.empty());
  }

  private SnapshotMetadata save(SnapshotMetadata md, Object snapshot) {
    store().tell(new SnapshotProtocol.SaveSnapshot(md, snapshot), senderProbe.getRef());
    return senderProbe.expectMsgClass(SaveSnapshotSuccess.class).metadata();
  }

  private void load(String persistenceId, SnapshotSelectionCriteria criteria, long toSequenceNr) {
    store()
        .tell(
            new SnapshotProtocol.LoadSnapshot(persistenceId, criteria, toSequenceNr),
            senderProbe.getRef());
  }

  private static SnapshotProtocol.LoadSnapshotResult noSnapshot(long toSequenceNr) {
    return new SnapshotProtocol.LoadSnapshotResult(Option.empty(), toSequenceNr);
  }

  private static SnapshotProtocol.LoadSnapshotResult snapshot(
      SnapshotMetadata md, Object snapshot, long toSequenceNr) {
    return new SnapshotProtocol.LoadSnapshotResult(
        Option.apply(SelectedSnapshot.create(md, snapshot)), toSequenceNr);
  }
}
