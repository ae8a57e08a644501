package io.sluice.actors.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.placement.BrokerGroups;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.protocol.v1.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dead letter goes to queue 0 of its DLQ topic as the registry placed it: the entity id names the broker group. */
class DeadLetterPlacementTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void deadLettersGoToThePlacedQueueWhetherTheTopicIsNewOrExists(@TempDir Path dir) throws Exception {
    ActorTestKit kit = ActorTestKit.create("DeadLetterPlacement", ConfigFactory.parseString(
        "pekko.cluster.roles = [\"" + BrokerGroups.roleOf("g1") + "\"]").withFallback(ActorsTestConfig.create(dir)));
    try {
      ActorsTestConfig.joinSelf(kit.system());
      Queue.init(kit.system(), ActorsTestConfig.READ_JOURNAL);
      TopicRegistry.init(kit.system());
      for (String id : new String[] {"first", "second"}) {
        Message letter = Message.newBuilder().setTopic("orders").setMessageId(id).setBody(ByteString.copyFromUtf8(id)).build();
        DeadLetters.append(kit.system(), "grp", DeadLetters.of(letter, 16)).toCompletableFuture().get();
      }

      TestProbe<ShardRegion.CurrentShardRegionState> probe = kit.createTestProbe();
      ClusterSharding.get(kit.system()).shardState().tell(new GetShardRegionState(Queue.ENTITY_KEY, probe.getRef()));
      Set<String> entities = new TreeSet<>();
      probe.receiveMessage(WAIT).getShards().forEach(shard -> entities.addAll(shard.getEntityIds()));
      assertEquals(Set.of("g1:%DLQ%grp/0"), entities);
    } finally {
      kit.shutdownTestKit();
    }
  }
}
