package io.sluice.actors.registry;

import com.typesafe.config.ConfigFactory;
import io.sluice.actors.ActorsTestConfig;
import io.sluice.actors.group.ConsumerGroupRegistry;
import io.sluice.actors.group.RetryPolicyCatalog;
import io.sluice.actors.placement.BrokerGroups;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicCatalogFeed;
import io.sluice.actors.topic.TopicRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * Nodes of a test cluster in one JVM, each on its own directory (journal, registry LMDB) with the
 * role of broker group {@code g<n>}, each running both registries' singleton proxies and catalogs
 * as a broker node does.
 */
final class RegistryNodes implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(60);

  record Node(ActorTestKit kit, ActorRef<TopicRegistry.Command> topics, ActorRef<ConsumerGroupRegistry.Command> groups,
      TopicCatalog catalog) {
    RetryPolicyCatalog policies() {
      return RetryPolicyCatalog.get(kit.system());
    }

    Address address() {
      return Cluster.get(kit.system()).selfMember().address();
    }
  }

  final List<Node> nodes = new ArrayList<>();

  /** Starts {@code count} nodes on {@code dir/n<i>} (the same directories on every start) and waits until all are up. */
  static RegistryNodes start(Path dir, String name, int count) {
    RegistryNodes cluster = new RegistryNodes();
    for (int i = 1; i <= count; i++) {
      Address seed = i == 1 ? null : cluster.nodes.get(0).address();
      cluster.nodes.add(node(dir.resolve("n" + i), name + i, "g" + i, seed));
    }
    cluster.awaitUp(count);
    return cluster;
  }

  static Node node(Path dir, String name, String brokerGroup, Address seed) {
    var config = ConfigFactory.parseString(
            "pekko.cluster.roles = [\"" + BrokerGroups.roleOf(brokerGroup) + "\"]\n")
        .withFallback(ActorsTestConfig.create(dir));
    ActorTestKit kit = ActorTestKit.create(name, config);
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(seed == null ? cluster.selfMember().address() : seed));
    TopicCatalog catalog = new TopicCatalog();
    kit.spawn(TopicCatalogFeed.create(catalog), "topic-catalog-feed");
    RetryPolicyCatalog.get(kit.system());
    return new Node(kit, TopicRegistry.init(kit.system()), ConsumerGroupRegistry.init(kit.system()), catalog);
  }

  Node get(int oneBased) {
    return nodes.get(oneBased - 1);
  }

  void awaitUp(int count) {
    for (Node node : nodes) {
      node.kit().createTestProbe().awaitAssert(WAIT, Duration.ofMillis(100), () -> {
        long up = 0;
        for (var member : Cluster.get(node.kit().system()).state().getMembers()) {
          if (member.status() == MemberStatus.up()) {
            up++;
          }
        }
        if (up != count) {
          throw new AssertionError(up + " of " + count + " members up");
        }
        return null;
      });
    }
  }

  @Override
  public void close() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).kit().shutdownTestKit();
    }
    nodes.clear();
  }
}
