package io.sluice.actors.consume;

import static io.sluice.actors.consume.GroupQueueTest.count;
import static io.sluice.actors.consume.GroupQueueTest.offsets;
import static io.sluice.actors.consume.GroupQueueTest.pollUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.queue.Queue;
import io.sluice.protocol.query.EventsByPersistenceIdAndTagsQuery;
import java.nio.file.Path;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.ReadJournal;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.query.javadsl.PersistenceTestKitReadJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tag filter on a journal whose read journal cannot skip by tag (Pekko's in-memory persistence
 * testkit): the group reads every message and filters them itself.
 */
class TagFilterFallbackTest {
  private static final String READ_JOURNAL = PersistenceTestKitReadJournal.Identifier();

  @TempDir static Path dir;
  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("TagFilterFallbackTest",
        PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.getInstance().config())
            .withFallback(ActorsTestConfig.create(dir)));
    ActorsTestConfig.joinSelf(testKit.system());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aTagFilterDeliversTheMatchingMessagesFromEveryMessageRead() {
    ReadJournal journal = PersistenceQuery.get(Adapter.toClassic(testKit.system()))
        .getReadJournalFor(ReadJournal.class, READ_JOURNAL);
    assertFalse(journal instanceof EventsByPersistenceIdAndTagsQuery);

    ActorRef<Queue.Command> queue = testKit.spawn(Queue.create("fallback/0", READ_JOURNAL));
    GroupQueueTest.append(testKit, queue, "A", "B", "", "A", "C");
    ActorRef<GroupQueue.Command> g = GroupQueueTest.viaQueue(testKit, queue, "g");
    assertEquals(List.of(0L, 3L, 4L), offsets(pollUntil(testKit, g, 10, 120_000, "A || C", count(3))));
  }
}
