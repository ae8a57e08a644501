package io.sluice.actors.consume;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.queue.Queue;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer group's ack events are deleted once a snapshot covers them, so the store's retention
 * carries only the events after the kept snapshot forward, not the whole ack history.
 */
class GroupQueueSnapshotTest {
  static final int MESSAGES = 2_100;
  @TempDir static Path dir;
  static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("GroupQueueSnapshotTest", ActorsTestConfig.create(dir));
    ActorsTestConfig.joinSelf(kit.system());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void ackEventsCoveredByASnapshotAreDeleted() {
    ActorRef<Queue.Command> queue = kit.spawn(Queue.create("snap/1", ActorsTestConfig.READ_JOURNAL));
    String[] tags = new String[100];
    Arrays.fill(tags, "a");
    for (int i = 0; i < MESSAGES / tags.length; i++) {
      GroupQueueTest.append(kit, queue, tags);
    }
    ActorRef<GroupQueue.Command> group = GroupQueueTest.viaQueue(kit, queue, "g");
    int acked = 0;
    while (acked < MESSAGES) {
      for (GroupQueue.Delivered d : GroupQueueTest.pull(kit, group, 100, GroupQueueTest.LONG_INVISIBLE, "*").deliveries()) {
        GroupQueueTest.assertAcked(GroupQueueTest.ack(kit, group, d.message().getOffset(), d.nonce()));
        acked++;
      }
    }

    MessageStore store = SluiceStores.get(Adapter.toClassic(kit.system())).storeFor(ActorsTestConfig.JOURNAL);
    String persistenceId = store.persistenceIds().stream().filter(id -> id.startsWith("group|g|")).findFirst().orElseThrow();
    TestProbe<Object> waiter = kit.createTestProbe();
    waiter.awaitAssert(Duration.ofSeconds(30), () -> {
      assertTrue(store.lowestSequenceNr(persistenceId) > 1_000,
          "events below the kept snapshot are deleted; lowest readable " + store.lowestSequenceNr(persistenceId));
      return null;
    });
  }
}
