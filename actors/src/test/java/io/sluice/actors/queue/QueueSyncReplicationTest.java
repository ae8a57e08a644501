package io.sluice.actors.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.sluice.actors.ActorsTestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queue whose journal has {@code sync} replication reads back its own uncommitted writes: a
 * message stored on the master whose commit has not come (its send timed out) is still known to
 * the dedup window rebuilt after a restart, and to {@link QueueTail}. The first system stores the
 * message without replication; the second reopens the store with a replica in sync that confirmed
 * nothing, so nothing in the log is committed.
 */
class QueueSyncReplicationTest {
  private static final String QUEUE = "sync-dedup/0";

  @TempDir Path dir;

  @Test
  void anUncommittedMessageIsKnownToTheDedupWindowAndTheQueueTail() throws Exception {
    ActorTestKit first = ActorTestKit.create("SyncDedup1", ActorsTestConfig.create(dir));
    try {
      ActorsTestConfig.joinSelf(first.system());
      Queue.init(first.system(), ActorsTestConfig.READ_JOURNAL);
      QueueTest.append(first, QueueTest.queue(first.system(), QUEUE), List.of(QueueTest.message("m1", "")));
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = ActorTestKit.create("SyncDedup2",
        ConfigFactory.parseString("sluice.persistence.journal.replication { mode = sync, timeout = 2 s }")
            .withFallback(ActorsTestConfig.create(dir)));
    try {
      ActorsTestConfig.joinSelf(second.system());
      QueueTest.store(second.system()).commits().setInSync(Set.of("r1"));
      Queue.init(second.system(), ActorsTestConfig.READ_JOURNAL);

      Queue.Appended resend =
          QueueTest.append(second, QueueTest.queue(second.system(), QUEUE), List.of(QueueTest.message("m1", "")));
      assertEquals(List.of(new Queue.Duplicate(0, 0)), resend.duplicates());

      QueueTail tail = QueueTail.read(second.system(), ActorsTestConfig.READ_JOURNAL, QUEUE, 0, Duration.ofSeconds(30))
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(new QueueTail(1, Set.of("m1")), tail);
    } finally {
      second.shutdownTestKit();
    }
  }
}
