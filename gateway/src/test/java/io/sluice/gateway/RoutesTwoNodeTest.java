package io.sluice.gateway;

import static io.sluice.gateway.NodeTests.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.actors.topic.TopicConfig;
import io.sluice.client.MessageType;
import io.sluice.client.SluiceClient;
import io.sluice.protocol.v1.MessageQueue;
import io.sluice.protocol.v1.MessagingServiceClient;
import io.sluice.protocol.v1.QueryRouteRequest;
import io.sluice.protocol.v1.QueryRouteResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two nodes in one JVM, broker groups g1 and g2: every node learns where the other serves gRPC. */
class RoutesTwoNodeTest {
  @TempDir Path dir1;
  @TempDir Path dir2;

  @Test
  void routesNameTheOwningNodeFirstAndForgetANodeThatLeft() throws Exception {
    BrokerNode n1 = TestNode.start(dir1, "pekko.cluster.roles = [\"broker-group:g1\"]\n");
    BrokerNode n2 = null;
    try {
      String seed = Cluster.get(n1.system()).selfMember().address().toString();
      n2 = TestNode.start(dir2, "pekko.cluster.roles = [\"broker-group:g2\"]\n"
          + "pekko.cluster.seed-nodes = [\"" + seed + "\"]\n");
      String e1 = "127.0.0.1:" + n1.grpcPort();
      String e2 = "127.0.0.1:" + n2.grpcPort();
      TopicConfig topic = new TopicConfig("t", 2, io.sluice.protocol.v1.MessageType.NORMAL, 0)
          .withQueueGroups(List.of("g1", "g2"));
      BrokerNode asked = n2;
      awaitTrue(() -> asked.routes().liveNodes().size() == 2);

      List<MessageQueue> routes = n2.routes().routesOf(topic);
      assertEquals(List.of(e1, e2), routes.get(0).getEndpointsList());
      assertEquals(List.of(e2, e1), routes.get(1).getEndpointsList());
      assertTrue(routes.get(0).getAvailable() && routes.get(1).getAvailable());
      assertEquals(List.of(e1, e2), n1.routes().routesOf(topic).get(0).getEndpointsList());

      // over gRPC: the registry placed the new topic's queues in g1 and g2, each route names its owner first
      try (SluiceClient client = SluiceClient.builder().endpoints(e2).build()) {
        client.admin().createTopic("routed", 2, MessageType.NORMAL);
      }
      MessagingServiceClient stub = MessagingServiceClient.create(
          GrpcClientSettings.connectToServiceAt("127.0.0.1", n2.grpcPort(), n2.system()).withTls(false), n2.system());
      try {
        QueryRouteResponse response = stub.queryRoute(QueryRouteRequest.newBuilder().setTopic("routed").build())
            .toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(2, response.getQueuesCount());
        assertEquals(List.of("g1", "g2"), List.of(response.getQueues(0).getBrokerGroup(), response.getQueues(1).getBrokerGroup()));
        assertEquals(List.of(e1, e2), response.getQueues(0).getEndpointsList());
        assertEquals(List.of(e2, e1), response.getQueues(1).getEndpointsList());
        assertTrue(response.getQueues(0).getAvailable());
      } finally {
        stub.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }

      n1.stop();
      awaitTrue(() -> asked.routes().liveNodes().size() == 1);
      List<MessageQueue> after = n2.routes().routesOf(topic);
      assertFalse(after.get(0).getAvailable());
      assertEquals(List.of(e2), after.get(0).getEndpointsList());
      assertTrue(after.get(1).getAvailable());
    } finally {
      if (n2 != null) {
        n2.stop();
      }
      n1.stop();
    }
  }

}
