package io.sluice.gateway.route;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.protocol.v1.MessageQueue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The routes of a topic's queues: each queue with its broker group, whether that group can serve,
 * and the gRPC endpoints to send to, the endpoint of the node serving the group first (its role
 * holder, or for a replicated group its ACTIVE master) and then every other node's (any node accepts every call and forwards through sharding, one hop
 * more). A queue without a group (a single node, or a topic from before placement) lists this node
 * first. A pure function of its inputs.
 */
public final class QueueRoutes {
  private QueueRoutes() {}

  /**
   * A live node serving clients.
   *
   * @param servedGroups the broker groups it serves: its own unless replicated, and each replicated
   *     group it is the ACTIVE master of
   * @param endpoint its advertised gRPC endpoint, {@code host:port}
   */
  public record NodeEndpoint(Set<String> servedGroups, String endpoint) {
    public NodeEndpoint {
      servedGroups = Set.copyOf(servedGroups);
    }
  }

  /**
   * Routes of every queue of {@code topic}, in queue-id order.
   *
   * @param nodes the live nodes with a published endpoint, in any order
   * @param selfEndpoint this node's endpoint
   * @param available whether a broker group can serve now
   */
  public static List<MessageQueue> of(
      TopicConfig topic, List<NodeEndpoint> nodes, String selfEndpoint, Predicate<String> available) {
    List<NodeEndpoint> sorted = new ArrayList<>(nodes);
    // every client sees the same order, so the fallbacks of one queue spread no differently per client
    sorted.sort(Comparator.comparing(NodeEndpoint::endpoint));
    List<MessageQueue> queues = new ArrayList<>(topic.queueCount());
    for (int q = 0; q < topic.queueCount(); q++) {
      String group = topic.brokerGroupOf(q);
      queues.add(MessageQueue.newBuilder()
          .setQueueId(q)
          .setBrokerGroup(group)
          .setAvailable(available.test(group))
          .addAllEndpoints(endpointsFor(group, sorted, selfEndpoint))
          .build());
    }
    return queues;
  }

  private static List<String> endpointsFor(String group, List<NodeEndpoint> sorted, String selfEndpoint) {
    List<String> first = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    if (group.isEmpty()) {
      first.add(selfEndpoint);
    }
    for (NodeEndpoint node : sorted) {
      if (first.contains(node.endpoint()) || rest.contains(node.endpoint())) {
        continue;
      }
      (!group.isEmpty() && node.servedGroups().contains(group) ? first : rest).add(node.endpoint());
    }
    first.addAll(rest);
    return first;
  }
}
