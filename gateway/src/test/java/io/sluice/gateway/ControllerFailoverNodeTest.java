package io.sluice.gateway;

import static io.sluice.gateway.NodeTests.awaitTrue;
import static io.sluice.gateway.NodeTests.rawLog;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.GroupState;
import io.sluice.actors.controller.ReplicaController;
import io.sluice.actors.placement.GroupPlugins;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreRole;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.MessagingServiceClient;
import io.sluice.protocol.v1.SendReceipt;
import io.sluice.protocol.v1.SendRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's replicas follow the replica controller (in-process nodes): broker group g1 is
 * replicated on node A (group g1, preferred) and node B (group g2). B also claims g1's cluster role,
 * so g1's queues run on B while A is away (the allocation by controller decision is another
 * change). A returning master that was replaced cuts its divergent tail into {@code divergent/};
 * a replica that fell out of the in-sync set is never promoted by the controller.
 */
class ControllerFailoverNodeTest {
  private static final String ORDERS = "orders";
  private static final String REPLICATED = "sluice.controller.groups { g1 = [g1, g2] }\n"
      + "sluice.cluster.replication { mode = async, replica-max-lag = 2 s, report-interval = 200 ms }\n";
  private static final String ROLE_G1 = "pekko.cluster.roles = [\"broker-group:g1\"]\n";

  @TempDir Path dirA;
  @TempDir Path dirB;
  @TempDir Path dirC;
  final List<BrokerNode> nodes = new ArrayList<>();
  final List<MessagingServiceClient> clients = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (MessagingServiceClient client : clients) {
      client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).stop();
    }
  }

  @Test
  void aReplacedMasterThatReturnsCutsItsDivergentTailAndCopiesTheNewMastersLog() throws Exception {
    BrokerNode a1 = start(dirA, "g1", "", null);
    createTopic(a1);
    BrokerNode b1 = start(dirB, "g2", ROLE_G1, a1);
    MessagingServiceClient clientA = client(a1);
    for (int i = 0; i < 5; i++) {
      sendUntilOk(clientA, "shared-" + i);
    }
    MessageStore masterA = storeOf(a1, "g1");
    MessageStore replicaB = storeOf(b1, "g1");
    awaitTrue(() -> replicaB.confirmedPosition() == masterA.confirmedPosition());
    long agreed = masterA.confirmedPosition();

    // B goes; A takes writes B never gets, then goes too
    stop(b1);
    for (int i = 0; i < 5; i++) {
      sendUntilOk(clientA, "only-on-a-" + i);
    }
    assertTrue(masterA.confirmedPosition() > agreed);
    stop(a1);

    // B comes back alone: a cold start needs every replica, so an operator forces B
    BrokerNode b2 = start(dirB, "g2", ROLE_G1, null);
    // refused until B has reported (once it is up): asked again until accepted
    awaitTrue(() -> forceB(b2) instanceof ReplicaController.Accepted);
    MessageStore masterB = storeOf(b2, "g1");
    // promoted: epoch 2 started, above both the (empty) state's and B's own epoch 1
    awaitTrue(() -> masterB.role() == StoreRole.MASTER
        && masterB.epochs().last().map(e -> e.epoch() == 2).orElse(false));
    MessagingServiceClient clientB = client(b2);
    for (int i = 0; i < 3; i++) {
      sendUntilOk(clientB, "new-on-b-" + i);
    }

    // A returns: the controller names B, so A's store stays a replica and hellos B
    BrokerNode a2 = start(dirA, "g1", "", b2);
    MessageStore returned = storeOf(a2, "g1");
    awaitTrue(() -> returned.confirmedPosition() == masterB.confirmedPosition() && returned.epochs().last()
        .map(e -> e.epoch() == 2).orElse(false));
    assertEquals(StoreRole.REPLICA, returned.role());
    assertArrayEquals(rawLog(masterB), rawLog(returned));
    Path divergent = returned.settings().divergentDir();
    try (Stream<Path> files = Files.list(divergent)) {
      assertEquals(List.of("1-" + agreed + ".log"), files.map(f -> f.getFileName().toString()).toList());
    }
  }

  @Test
  void aReplicaThatLeftTheInSyncSetIsNotPromotedWhenTheMasterGoes() throws Exception {
    BrokerNode a = start(dirA, "g1", "", null);
    createTopic(a);
    // a third node (no replica) keeps a majority for the controller once A is gone
    BrokerNode c = start(dirC, "g3", "", a);
    BrokerNode b1 = start(dirB, "g2", ROLE_G1, a);
    MessagingServiceClient clientA = client(a);
    sendUntilOk(clientA, "m-0");
    MessageStore masterA = storeOf(a, "g1");
    // B joins the in-sync set through the controller (it may have reported before it was up)
    awaitTrue(() -> masterA.commits().inSync().equals(Set.of("g2")) && GroupMasters.get(c.system()).stateOf("g1")
        .map(s -> s.inSync().equals(Set.of("g1", "g2"))).orElse(false));

    stop(b1);
    // A asks the controller to drop B and uses the smaller set only once accepted
    awaitTrue(() -> masterA.commits().inSync().isEmpty());
    awaitTrue(() -> GroupMasters.get(c.system()).stateOf("g1").map(s -> s.inSync().equals(Set.of("g1")))
        .orElse(false));
    sendUntilOk(clientA, "m-1");
    stop(a);
    awaitTrue(() -> GroupMasters.get(c.system()).stateOf("g1").map(s -> s.status() == GroupState.Status.OFFLINE)
        .orElse(false));

    BrokerNode b2 = start(dirB, "g2", ROLE_G1, c);
    MessageStore replicaB = storeOf(b2, "g1");
    // B reports every 200 ms: for 3 s the group stays offline and B a replica
    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (System.nanoTime() < until) {
      assertEquals(StoreRole.REPLICA, replicaB.role());
      assertEquals(GroupState.Status.OFFLINE, GroupMasters.get(c.system()).stateOf("g1").orElseThrow().status());
      TimeUnit.MILLISECONDS.sleep(100);
    }
    // B was a live, reporting candidate all along: an operator can force it
    var forced = AskPattern.<ReplicaController.Command, ReplicaController.Decision>ask(
        ReplicaController.init(b2.system()),
        replyTo -> new ReplicaController.ForceUncleanMaster("g1", "g2", "accept the loss", replyTo),
        Duration.ofSeconds(15), b2.system().scheduler());
    assertTrue(get(forced) instanceof ReplicaController.Accepted);
    awaitTrue(() -> replicaB.role() == StoreRole.MASTER);
  }

  private BrokerNode start(Path dir, String group, String more, BrokerNode seed) throws Exception {
    String seeds = seed == null ? ""
        : "pekko.cluster.seed-nodes = [\"" + Cluster.get(seed.system()).selfMember().address() + "\"]\n";
    BrokerNode node = TestNode.start(dir, "sluice.cluster.broker-group = " + group + "\n" + REPLICATED + more + seeds);
    nodes.add(node);
    return node;
  }

  private void stop(BrokerNode node) throws Exception {
    nodes.remove(node);
    node.stop();
  }

  private static MessageStore storeOf(BrokerNode node, String group) {
    return SluiceStores.get(Adapter.toClassic(node.system())).storeFor(GroupPlugins.journalOf(group));
  }

  private static void createTopic(BrokerNode node) throws Exception {
    TopicConfig topic = new TopicConfig(ORDERS, 1, MessageType.NORMAL, 0).withQueueGroups(List.of("g1"));
    CompletionStage<TopicRegistry.Change> created = AskPattern.ask(TopicRegistry.init(node.system()),
        replyTo -> new TopicRegistry.CreateTopic(topic, replyTo), Duration.ofSeconds(10), node.system().scheduler());
    assertTrue(get(created) instanceof TopicRegistry.Changed);
  }

  private MessagingServiceClient client(BrokerNode node) {
    MessagingServiceClient client = MessagingServiceClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", node.grpcPort(), node.system()).withTls(false),
        node.system());
    clients.add(client);
    return client;
  }

  /** Sends until stored: nothing is stored while the group has no master (NOT_MASTER) or queue yet. */
  private static void sendUntilOk(MessagingServiceClient client, String id) throws InterruptedException {
    Message message = Message.newBuilder().setTopic(ORDERS).setMessageId(id).setBody(ByteString.copyFromUtf8(id))
        .build();
    awaitTrue(() -> {
      try {
        SendReceipt receipt = get(client.send(SendRequest.newBuilder().addMessages(message).build())).getReceipts(0);
        return receipt.getStatus().getCode() == 0;
      } catch (Exception e) {
        return false;
      }
    });
  }

  private static ReplicaController.Decision forceB(BrokerNode b) {
    try {
      return get(AskPattern.<ReplicaController.Command, ReplicaController.Decision>ask(
          ReplicaController.init(b.system()),
          replyTo -> new ReplicaController.ForceUncleanMaster("g1", "g2", "A is lost", replyTo),
          Duration.ofSeconds(15), b.system().scheduler()));
    } catch (Exception e) {
      throw new AssertionError("the controller did not answer", e);
    }
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }


}
