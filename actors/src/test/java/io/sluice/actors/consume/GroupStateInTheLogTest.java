package io.sluice.actors.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.queue.Queue;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.RawChunk;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.protocol.v1.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer group's position lives in its snapshot (its ack events below the snapshot are
 * deleted): with snapshots in the log, an idle group keeps it through retention rounds that delete
 * every segment it was written in, and a replica made by copying the CommitLog recovers it. With
 * snapshots in files, the replica's group would recover from the events after the snapshot alone.
 */
class GroupStateInTheLogTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  // one ack event each: snapshots at 1,000 and 2,000, the second deleting the events up to 1,000
  private static final int ACKED = 2_050;

  @TempDir Path dir;

  /** The node's retention rule (only message logs are expendable), small segments, run by hand. */
  private static Config config(Path nodeDir) {
    return ConfigFactory.parseString("""
        sluice.persistence.journal {
          segment-size = 64 KiB
          retention.time = 1 ms
          retention.check-interval = 1 h
          retention.expendable-id-prefixes = ["queue|"]
        }
        """).withFallback(ActorsTestConfig.create(nodeDir));
  }

  private static MessageStore storeOf(ActorTestKit kit) {
    return SluiceStores.get(Adapter.toClassic(kit.system())).storeFor(ActorsTestConfig.JOURNAL);
  }

  private static long watermark(ActorTestKit kit, ActorRef<GroupQueue.Command> group) {
    TestProbe<GroupQueue.Progress> probe = kit.createTestProbe();
    group.tell(new GroupQueue.Describe(probe.getRef()));
    return probe.receiveMessage(WAIT).ackWatermark();
  }

  @Test
  void anIdleGroupKeepsItsPositionThroughRetentionAndOnAReplicaOfTheLog() throws Exception {
    Path masterDir = dir.resolve("master");
    String entityId = "kept/0";
    ActorTestKit master = ActorTestKit.create("GroupStateMaster", config(masterDir));
    try {
      ActorRef<Queue.Command> queue = master.spawn(Queue.create(entityId, ActorsTestConfig.READ_JOURNAL));
      String[] tags = new String[100];
      Arrays.fill(tags, "a");
      for (int i = 0; i < 21; i++) {
        GroupQueueTest.append(master, queue, tags);
      }
      ActorRef<GroupQueue.Command> group = GroupQueueTest.viaQueue(master, queue, "g");
      int acked = 0;
      while (acked < ACKED) {
        int max = Math.min(100, ACKED - acked);
        for (GroupQueue.Delivered d : GroupQueueTest.pull(master, group, max, 600_000, "*").deliveries()) {
          GroupQueueTest.assertAcked(GroupQueueTest.ack(master, group, d.message().getOffset(), d.nonce()));
          acked++;
        }
      }
      MessageStore store = storeOf(master);
      String groupId = GroupQueue.persistenceIdOf("g", entityId).id();
      master.createTestProbe().awaitAssert(WAIT, () -> {
        assertTrue(store.lowestSequenceNr(groupId) > 1_000, "the snapshot replaced the events below it");
        return null;
      });
      assertEquals(ACKED, watermark(master, group));

      // the group is idle from here on: no event, no snapshot
      long groupWrittenBelow = store.confirmedPosition();
      fill(master, queue);
      copyLog(store, StoreSettings.fromConfig(config(dir.resolve("replica")).getConfig(ActorsTestConfig.JOURNAL)));
      master.createTestProbe().awaitAssert(WAIT, () -> {
        try {
          store.runRetention();
        } catch (java.io.IOException e) {
          throw new AssertionError(e);
        }
        assertTrue(store.minPosition() > groupWrittenBelow, "every segment holding the group's writes is gone");
        return null;
      });

      master.stop(queue);
      ActorRef<Queue.Command> again = master.spawn(Queue.create(entityId, ActorsTestConfig.READ_JOURNAL));
      assertEquals(ACKED, watermark(master, GroupQueueTest.viaQueue(master, again, "g")));
    } finally {
      master.shutdownTestKit();
    }

    ActorTestKit replica = ActorTestKit.create("GroupStateReplica", config(dir.resolve("replica")));
    try {
      ActorRef<Queue.Command> queue = replica.spawn(Queue.create(entityId, ActorsTestConfig.READ_JOURNAL));
      assertEquals(ACKED, watermark(replica, GroupQueueTest.viaQueue(replica, queue, "g")));
    } finally {
      replica.shutdownTestKit();
    }
  }

  /** Messages of 1 KiB enough to fill several 64 KiB segments. */
  private static void fill(ActorTestKit kit, ActorRef<Queue.Command> queue) {
    ByteString body = ByteString.copyFrom(new byte[1024]);
    TestProbe<StatusReply<Queue.Appended>> probe = kit.createTestProbe();
    for (int b = 0; b < 15; b++) {
      List<Message> batch = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        batch.add(Message.newBuilder().setMessageId("fill-" + b + "-" + i).setBody(body).build());
      }
      queue.tell(new Queue.Append(batch, probe.getRef()));
      assertTrue(probe.receiveMessage(WAIT).isSuccess());
    }
  }

  /** Copies the store's whole CommitLog into a new store, as a slave catching up from empty does. */
  private static void copyLog(MessageStore master, StoreSettings replicaSettings) throws Exception {
    try (MessageStore replica = MessageStore.open(replicaSettings)) {
      long position = 0;
      while (position < master.confirmedPosition()) {
        RawChunk chunk = master.readRaw(position, 64 * 1024);
        position = chunk.bytes().hasRemaining()
            ? replica.appendRaw(chunk.position(), chunk.bytes()).get(10, TimeUnit.SECONDS)
            : chunk.nextPosition();
      }
    }
  }
}
