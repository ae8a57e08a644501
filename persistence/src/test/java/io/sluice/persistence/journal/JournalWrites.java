package io.sluice.persistence.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.DeleteMessagesSuccess;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.PersistentEnvelope;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.testkit.javadsl.TestKit;
import scala.jdk.javaapi.CollectionConverters;

/** Drives the default journal with Pekko's classic journal protocol, as the TCK does. */
public final class JournalWrites {

  /** The TCK's {@code actorInstanceId}: the journal echoes it in every write reply. */
  public static final int ACTOR_INSTANCE_ID = 1;

  private JournalWrites() {}

  /** The default journal of {@code system}. */
  public static ActorRef journal(ActorSystem system) {
    return Persistence.get(system).journalFor(null, ConfigFactory.empty());
  }

  public static PersistentRepr repr(
      Object payload, long sequenceNr, String pid, ActorRef sender, String writerUuid) {
    return PersistentRepr.apply(payload, sequenceNr, pid, "", false, sender, writerUuid);
  }

  public static AtomicWrite atomic(PersistentRepr... events) {
    return new AtomicWrite(CollectionConverters.asScala(List.of(events)).toList());
  }

  public static JournalProtocol.WriteMessages writeMessages(
      List<AtomicWrite> writes, ActorRef replyTo) {
    List<PersistentEnvelope> envelopes = new ArrayList<>(writes);
    return new JournalProtocol.WriteMessages(
        CollectionConverters.asScala(envelopes).toList(), replyTo, ACTOR_INSTANCE_ID);
  }

  /**
   * The TCK's {@code writeMessages}: events {@code a-from .. a-to}, one atomic write each except
   * the last two, which share one (as {@code persistAll} does); checks every reply.
   */
  public static void writeTckMessages(
      ActorSystem system, int from, int to, String pid, ActorRef sender, String writerUuid) {
    List<AtomicWrite> writes = new ArrayList<>();
    for (int i = from; i < to; i++) {
      if (i == to - 1) {
        writes.add(
            atomic(
                repr("a-" + i, i, pid, sender, writerUuid),
                repr("a-" + (i + 1), i + 1, pid, sender, writerUuid)));
      } else {
        writes.add(atomic(repr("a-" + i, i, pid, sender, writerUuid)));
      }
    }
    TestKit probe = new TestKit(system);
    journal(system).tell(writeMessages(writes, probe.getRef()), ActorRef.noSender());
    probe.expectMsg(JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    for (int i = from; i <= to; i++) {
      PersistentRepr written =
          probe.expectMsgClass(JournalProtocol.WriteMessageSuccess.class).persistent();
      assertEquals("a-" + i, written.payload());
      assertEquals(i, written.sequenceNr());
      assertEquals(pid, written.persistenceId());
      assertSame(sender, written.sender());
      assertEquals(writerUuid, written.writerUuid());
    }
  }

  /**
   * Writes events {@code e-from .. e-to} of {@code pid}, one atomic write each, and awaits them.
   */
  public static void write(ActorSystem system, String pid, long from, long to) {
    List<AtomicWrite> writes = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      writes.add(atomic(repr("e-" + s, s, pid, ActorRef.noSender(), "writer-" + pid)));
    }
    TestKit probe = new TestKit(system);
    journal(system).tell(writeMessages(writes, probe.getRef()), ActorRef.noSender());
    probe.expectMsg(JournalProtocol.WriteMessagesSuccessful$.MODULE$);
    for (long s = from; s <= to; s++) {
      assertEquals(
          s,
          probe
              .expectMsgClass(JournalProtocol.WriteMessageSuccess.class)
              .persistent()
              .sequenceNr());
    }
  }

  /** Deletes the events of {@code pid} up to {@code toSequenceNr} and awaits the confirmation. */
  public static void deleteTo(ActorSystem system, String pid, long toSequenceNr) {
    TestKit probe = new TestKit(system);
    journal(system)
        .tell(
            new JournalProtocol.DeleteMessagesTo(pid, toSequenceNr, probe.getRef()),
            ActorRef.noSender());
    probe.expectMsg(new DeleteMessagesSuccess(toSequenceNr));
  }

  /**
   * Replays {@code [from, to]} (at most {@code max}) of {@code pid} through the journal and returns
   * the payloads in the order received; checks the highest sequence nr the journal reports.
   */
  public static List<Object> replayPayloads(
      ActorSystem system, String pid, long from, long to, long max, long expectedHighest) {
    TestKit receiver = new TestKit(system);
    journal(system)
        .tell(
            new JournalProtocol.ReplayMessages(from, to, max, pid, receiver.getRef()),
            ActorRef.noSender());
    List<Object> payloads = new ArrayList<>();
    while (true) {
      Object msg =
          receiver.expectMsgAnyClassOf(
              JournalProtocol.ReplayedMessage.class, JournalProtocol.RecoverySuccess.class);
      if (msg instanceof JournalProtocol.RecoverySuccess success) {
        assertEquals(expectedHighest, success.highestSequenceNr(), "highest sequence nr of " + pid);
        return payloads;
      }
      PersistentRepr replayed = ((JournalProtocol.ReplayedMessage) msg).persistent();
      assertEquals(pid, replayed.persistenceId());
      assertTrue(
          replayed.sequenceNr() >= from && replayed.sequenceNr() <= to, "replayed " + replayed);
      payloads.add(replayed.payload());
    }
  }
}
