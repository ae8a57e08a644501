package io.sluice.persistence.journal;

import static io.sluice.persistence.journal.JournalWrites.ACTOR_INSTANCE_ID;
import static io.sluice.persistence.journal.JournalWrites.atomic;
import static io.sluice.persistence.journal.JournalWrites.repr;
import static io.sluice.persistence.journal.JournalWrites.writeMessages;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.NotSerializableException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.DeleteMessagesSuccess;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pekko's journal TCK ({@code persistence-tck/.../journal/JournalSpec.scala}, which is ScalaTest)
 * ported to JUnit Jupiter, one test per TCK case; each test's comment names its case. The optional
 * cases run as enabled by {@code supportsRejectingNonSerializableObjects = true} and {@code
 * supportsSerialization = true}; {@code supportsMetadata} is off in the TCK too (the journal does
 * not store {@code PersistentRepr.metadata}), so "return metadata" is not ported.
 *
 * <p>As in the TCK, every test starts with events {@code a-1 .. a-5} of its own persistence id (the
 * last two in one atomic write), written by its own writer uuid.
 */
class SluiceJournalTckTest {

  @TempDir static Path dir;
  static ActorSystem system;
  static ActorRef journal;
  static final AtomicInteger testCount = new AtomicInteger();

  String pid;
  String writerUuid;
  TestKit senderProbe;
  TestKit receiverProbe;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("SluiceJournalTckTest", JournalTestConfig.create(dir));
    journal = JournalWrites.journal(system);
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void writeFiveEvents() {
    pid = "p-" + testCount.incrementAndGet();
    writerUuid = UUID.randomUUID().toString();
    senderProbe = new TestKit(system);
    receiverProbe = new TestKit(system);
    JournalWrites.writeTckMessages(system, 1, 5, pid, senderProbe.getRef(), writerUuid);
  }

  // TCK: "replay all messages"
  @Test
  void replaysAllMessages() {
    replay(1, Long.MAX_VALUE, Long.MAX_VALUE, pid);
    expectReplayed(1, 5);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));
  }

  // TCK: "replay messages using a lower sequence number bound"
  @Test
  void replaysFromALowerSequenceNrBound() {
    replay(3, Long.MAX_VALUE, Long.MAX_VALUE, pid);
    expectReplayed(3, 5);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));
  }

  // TCK: "replay messages using an upper sequence number bound"
  @Test
  void replaysUpToAnUpperSequenceNrBound() {
    replay(1, 3, Long.MAX_VALUE, pid);
    expectReplayed(1, 3);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));
  }

  // TCK: "replay messages using a count limit"
  @Test
  void replaysAtMostTheCountLimit() {
    replay(1, Long.MAX_VALUE, 3, pid);
    expectReplayed(1, 3);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));
  }

  // TCK: "replay messages using a lower and upper sequence number bound"
  @Test
  void replaysBetweenLowerAndUpperBounds() {
    replay(2, 3, Long.MAX_VALUE, pid);
    expectReplayed(2, 3);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));
  }

  // TCK: "replay messages using a lower and upper sequence number bound and a count limit"
  @Test
  void replaysBetweenBoundsAtMostTheCountLimit() {
    replay(2, 5, 2, pid);
    expectReplayed(2, 3);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));
  }

  // TCK: "replay a single if lower sequence number bound equals upper sequence number bound"
  @Test
  void replaysOneMessageWhenLowerBoundEqualsUpperBound() {
    replay(2, 2, Long.MAX_VALUE, pid);
    expectReplayed(2, 2);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));
  }

  // TCK: "replay a single message if count limit equals 1"
  @Test
  void replaysOneMessageWhenCountLimitIsOne() {
    replay(2, 4, 1, pid);
    expectReplayed(2, 2);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));
  }

  // TCK: "not replay messages if count limit equals 0"
  @Test
  void replaysNothingWhenCountLimitIsZero() {
    replay(2, 4, 0, pid);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));
  }

  // TCK: "not replay messages if lower  sequence number bound is greater than upper sequence number
  // bound"
  @Test
  void replaysNothingWhenLowerBoundIsAboveUpperBound() {
    replay(3, 2, Long.MAX_VALUE, pid);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));
  }

  // TCK: "not replay messages if the persistent actor has not yet written messages"
  @Test
  void replaysNothingForAPersistenceIdWithoutMessages() {
    replay(0, Long.MAX_VALUE, Long.MAX_VALUE, "non-existing-pid");
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(0L));
  }

  // TCK: "not replay permanently deleted messages (range deletion)"
  @Test
  void doesNotReplayMessagesDeletedByRange() {
    TestKit receiverProbe2 = new TestKit(system);
    JournalProtocol.DeleteMessagesTo cmd =
        new JournalProtocol.DeleteMessagesTo(pid, 3, receiverProbe2.getRef());
    TestKit sub = new TestKit(system);
    system.getEventStream().subscribe(sub.getRef(), JournalProtocol.DeleteMessagesTo.class);
    try {
      journal.tell(cmd, ActorRef.noSender());
      sub.expectMsg(cmd);
      receiverProbe2.expectMsg(new DeleteMessagesSuccess(cmd.toSequenceNr()));

      replay(1, Long.MAX_VALUE, Long.MAX_VALUE, pid);
      expectReplayed(4, 5);

      receiverProbe2.expectNoMessage(Duration.ofMillis(200));
    } finally {
      system.getEventStream().unsubscribe(sub.getRef());
    }
  }

  // TCK: "not reset highestSequenceNr after message deletion"
  @Test
  void keepsHighestSequenceNrAfterDeletingSome() {
    replay(0, Long.MAX_VALUE, Long.MAX_VALUE, pid);
    expectReplayed(1, 5);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));

    journal.tell(
        new JournalProtocol.DeleteMessagesTo(pid, 3L, receiverProbe.getRef()), ActorRef.noSender());
    receiverProbe.expectMsg(new DeleteMessagesSuccess(3L));

    replay(0, Long.MAX_VALUE, Long.MAX_VALUE, pid);
    expectReplayed(4, 5);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));
  }

  // TCK: "not reset highestSequenceNr after journal cleanup"
  @Test
  void keepsHighestSequenceNrAfterDeletingAll() {
    replay(0, Long.MAX_VALUE, Long.MAX_VALUE, pid);
    expectReplayed(1, 5);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));

    journal.tell(
        new JournalProtocol.DeleteMessagesTo(pid, Long.MAX_VALUE, receiverProbe.getRef()),
        ActorRef.noSender());
    receiverProbe.expectMsg(new DeleteMessagesSuccess(Long.MAX_VALUE));

    replay(0, Long.MAX_VALUE, Long.MAX_VALUE, pid);
    receiverProbe.expectMsg(new JournalProtocol.RecoverySuccess(5L));
  }

  // TCK (optional, supportsRejectingNonSerializableObjects): "reject non-serializable events"
  @Test
  void rejectsNonSerializableEventsAndStoresTheOthers() {
    Object notSerializableEvent =
        new Object() {
          @Override
          public String toString() {
            return "not serializable";
          }
        };
    List<org.apache.pekko.persistence.AtomicWrite> msgs =
        LongStream.rangeClosed(6, 8)
            .mapToObj(
                i ->
                    atomic(
                        repr(
                            i == 7 ? notSerializableEvent : "b-" + i,
                            i,
                            pid,
                            ActorRef.noSender(),
                            writerUuid)))
            .toList();
    TestKit probe = new TestKit(system);
    journal.tell(writeMessages(msgs, probe.getRef()), ActorRef.noSender());

    probe.expectMsg(JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    expectWritten(
        probe.expectMsgClass(JournalProtocol.WriteMessageSuccess.class).persistent(), "b-6", 6);
    var rejected = probe.expectMsgClass(JournalProtocol.WriteMessageRejected.class);
    expectWritten(rejected.message(), notSerializableEvent, 7);
    assertInstanceOf(NotSerializableException.class, rejected.cause());
    assertEquals(ACTOR_INSTANCE_ID, rejected.actorInstanceId());
    expectWritten(
        probe.expectMsgClass(JournalProtocol.WriteMessageSuccess.class).persistent(), "b-8", 8);
  }

  // TCK (optional, supportsSerialization): "serialize events"
  @Test
  void serializesEventsWithPekkoSerialization() {
    TestKit probe = new TestKit(system);
    TestPayload event = new TestPayload(probe.getRef());
    var aw = atomic(repr(event, 6L, pid, ActorRef.noSender(), writerUuid));

    journal.tell(writeMessages(List.of(aw), probe.getRef()), ActorRef.noSender());

    probe.expectMsg(JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    expectWritten(
        probe.expectMsgClass(JournalProtocol.WriteMessageSuccess.class).persistent(), event, 6);

    replay(6, Long.MAX_VALUE, Long.MAX_VALUE, pid);
    expectWritten(
        receiverProbe.expectMsgClass(JournalProtocol.ReplayedMessage.class).persistent(), event, 6);
    var success = receiverProbe.expectMsgClass(JournalProtocol.RecoverySuccess.class);
    assertTrue(success.highestSequenceNr() >= 6L, "highest " + success.highestSequenceNr());
  }

  private void replay(long from, long to, long max, String persistenceId) {
    journal.tell(
        new JournalProtocol.ReplayMessages(from, to, max, persistenceId, receiverProbe.getRef()),
        ActorRef.noSender());
  }

  /** The TCK's {@code replayedMessage(snr)} for each sequence nr, in order. */
  private void expectReplayed(long from, long to) {
    for (long snr = from; snr <= to; snr++) {
      receiverProbe.expectMsg(
          new JournalProtocol.ReplayedMessage(
              repr("a-" + snr, snr, pid, ActorRef.noSender(), writerUuid)));
    }
  }

  /**
   * The TCK's {@code PersistentImpl(payload, snr, pid, _, _, Actor.noSender, writerUuid, _, _)}.
   */
  private void expectWritten(PersistentRepr written, Object payload, long sequenceNr) {
    assertEquals(payload, written.payload());
    assertEquals(sequenceNr, written.sequenceNr());
    assertEquals(pid, written.persistenceId());
    assertNull(written.sender());
    assertEquals(writerUuid, written.writerUuid());
  }
}
