package io.sluice.actors.registry;

import com.typesafe.config.Config;
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

  /** Starts {@code count} nodes named {@code name} (one cluster, one system name) on {@code dir/n<i>} (the same directories on every start) and waits until all are up. */
  static RegistryNodes start(Path dir, String name, int count) {
    return start(dir, name, count, ConfigFactory.empty());
  }

  /**
   * As {@link #start(Path, String, int)} with {@code overrides} on every node; a node's actor system
   * terminated directly stops without leaving the cluster (it stays a member, unreachable).
   */
  static RegistryNodes start(Path dir, String name, int count, Config overrides) {
    int[] numbers = new int[count];
    for (int i = 0; i < count; i++) {
      numbers[i] = i + 1;
    }
    return start(dir, name, overrides, numbers);
  }

  /**
   * Starts node {@code n<number>} (directory, broker group {@code g<number>}) for each number in
   * order: the first becomes the oldest and runs the singletons; {@link #get} counts in this order.
   */
  static RegistryNodes start(Path dir, String name, Config overrides, int... numbers) {
    RegistryNodes cluster = new RegistryNodes();
    for (int number : numbers) {
      Address seed = cluster.nodes.isEmpty() ? null : cluster.nodes.get(0).address();
      cluster.nodes.add(node(dir.resolve("n" + number), name, "g" + number, seed, overrides));
    }
    cluster.awaitUp(numbers.length);
    return cluster;
  }

  static Node node(Path dir, String name, String brokerGroup, Address seed, Config overrides) {
    var config = overrides.withFallback(ConfigFactory.parseString(
            "pekko.cluster.roles = [\"" + BrokerGroups.roleOf(brokerGroup) + "\"]\n"
                + "pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n"))
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

  /** Leaves the cluster gracefully (what a node's shutdown does), then terminates. */
  static void stop(Node node) {
    Cluster cluster = Cluster.get(node.kit().system());
    cluster.manager().tell(org.apache.pekko.cluster.typed.Leave.create(cluster.selfMember().address()));
    // once removed, the node runs its coordinated shutdown, which terminates the actor system
    try {
      node.kit().system().getWhenTerminated().toCompletableFuture().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("node did not leave and stop", e);
    }
    node.kit().shutdownTestKit();
  }

  @Override
  public void close() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      stop(nodes.get(i));
    }
    nodes.clear();
  }
}
