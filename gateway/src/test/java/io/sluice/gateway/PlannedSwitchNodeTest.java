package io.sluice.gateway;

import static io.sluice.gateway.NodeTests.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.gateway.replication.ReplicationStatus;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreRole;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.MessagingServiceClient;
import io.sluice.protocol.v1.SendReceipt;
import io.sluice.protocol.v1.SendRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A planned switch of an {@code async} group under load (shared/CLUSTER.md 4.8): g1 = [g1, g2],
 * n1 masters g1, n2's replica lags behind (small fetches of large messages) while producers keep
 * writing; the switch makes n2 master only once it holds n1's whole log, so every acknowledged
 * message is on the new master and nothing of n1's log is cut. A switch asked on n2 is forwarded
 * to n1, the master.
 */
class PlannedSwitchNodeTest {
  private static final String TOPIC = "switched";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BODY = 4 * 1024;

  @TempDir Path dir1;
  @TempDir Path dir2;
  BrokerNode n1;
  BrokerNode n2;
  MessagingServiceClient client;
  ExecutorService producers;

  @AfterEach
  void stop() throws Exception {
    if (producers != null) {
      producers.shutdownNow();
      producers.awaitTermination(30, TimeUnit.SECONDS);
    }
    if (client != null) {
      client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (n2 != null) {
      n2.stop();
    }
    if (n1 != null) {
      n1.stop();
    }
  }

  @Test
  void everyAcknowledgedMessageIsOnTheNewMasterAfterASwitchUnderLoad() throws Exception {
    // one record per fetch: the replica falls behind the producers
    start("sluice.cluster.replication.fetch-max-bytes = 4096\n");
    Queue<String> acked = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ids = new AtomicInteger();
    producers = Executors.newFixedThreadPool(8);
    List<java.util.concurrent.Future<?>> loops = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      loops.add(producers.submit(() -> {
        while (running.get()) {
          String id = "load-" + ids.incrementAndGet();
          try {
            if (send(id, BODY).getStatus().getCode() == 0) {
              acked.add(id);
            }
          } catch (AssertionError noAnswer) {
            // not acknowledged: nothing to check
          }
        }
        return null;
      }));
    }
    awaitTrue(() -> acked.size() >= 500 && replicaStore().confirmedPosition() < masterStore().confirmedPosition());

    var switched = post(n1, "/cluster/replication/g1/switch");
    assertEquals(200, switched.statusCode(), switched.body());
    JsonNode decision = JSON.readTree(switched.body());
    assertEquals("g2", decision.get("master").asText());
    assertEquals(2, decision.get("epoch").asLong());
    running.set(false);
    for (var loop : loops) {
      loop.get(60, TimeUnit.SECONDS);
    }

    awaitTrue(() -> replicaStore().role() == StoreRole.MASTER && masterStore().role() == StoreRole.REPLICA);
    awaitTrue(() -> masterStore().epochs().last().orElseThrow().epoch() == 2);
    List<String> missing = new ArrayList<>();
    for (String id : acked) {
      if (replicaStore().lookupByMessageId(id, 1).isEmpty()) {
        missing.add(id);
      }
    }
    assertEquals(List.of(), missing, missing.size() + " of " + acked.size() + " acknowledged messages are not on"
        + " the new master");
    Path divergent = masterStore().settings().divergentDir();
    if (Files.exists(divergent)) {
      try (var files = Files.list(divergent)) {
        assertTrue(files.findAny().isEmpty(), "the old master's log was cut: the new master lacked part of it");
      }
    }
  }

  @Test
  void aSwitchAskedOnTheReplicasNodeIsForwardedToTheMasterAndMovesMastership() throws Exception {
    start("");
    // n2 forwards to the master its view shows ACTIVE
    awaitTrue(() -> GroupMasters.get(n2.system()).activeMasterOf("g1").isPresent());
    var switched = post(n2, "/cluster/replication/g1/switch");
    assertEquals(200, switched.statusCode(), switched.body());
    JsonNode decision = JSON.readTree(switched.body());
    assertEquals("g2", decision.get("master").asText());
    assertEquals(2, decision.get("epoch").asLong());
    awaitTrue(() -> replicaStore().role() == StoreRole.MASTER && masterStore().role() == StoreRole.REPLICA);
    awaitTrue(() -> {
      try {
        return send("after-switch", 10).getStatus().getCode() == 0;
      } catch (AssertionError noAnswerYet) {
        return false;
      }
    });
  }

  @Test
  void aSwitchToAReplicaThatDoesNotCatchUpIsRefusedAndWritesResume() throws Exception {
    // the stopped replica stays in the in-sync set meanwhile
    start("sluice.cluster.replication.timeout = 2 s\nsluice.cluster.replication.replica-max-lag = 60 s\n");
    n2.stop();
    n2 = null;
    assertEquals(0, send("while-away", 10).getStatus().getCode());

    var refused = post(n1, "/cluster/replication/g1/switch");
    assertEquals(409, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("writes resumed"), refused.body());
    assertEquals(StoreRole.MASTER, masterStore().role());
    assertEquals(0, send("after-refusal", 10).getStatus().getCode());
  }

  /** n1 masters g1 (mode async), n2 replicates it and is in sync; a topic with one queue in g1. */
  private void start(String more) throws Exception {
    String settings = "sluice.controller.groups { g1 = [g1, g2] }\nsluice.cluster.replication.mode = async\n"
        + "sluice.cluster.replication.replica-max-lag = 30 s\n" + more;
    n1 = TestNode.start(dir1, "sluice.cluster.broker-group = g1\n" + settings);
    client = MessagingServiceClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", n1.grpcPort(), n1.system()).withTls(false), n1.system());
    TopicConfig topic = new TopicConfig(TOPIC, 1, MessageType.NORMAL, 0).withQueueGroups(List.of("g1"));
    CompletionStage<TopicRegistry.Change> created = AskPattern.ask(TopicRegistry.init(n1.system()),
        replyTo -> new TopicRegistry.CreateTopic(topic, replyTo), Duration.ofSeconds(10), n1.system().scheduler());
    assertTrue(created.toCompletableFuture().get(15, TimeUnit.SECONDS) instanceof TopicRegistry.Changed);
    String seed = Cluster.get(n1.system()).selfMember().address().toString();
    n2 = TestNode.start(dir2, "sluice.cluster.broker-group = g2\n" + settings
        + "pekko.cluster.seed-nodes = [\"" + seed + "\"]\n");
    awaitTrue(() -> masterStore().role() == StoreRole.MASTER);
    awaitTrue(() -> send("probe", 1).getStatus().getCode() == 0);
    awaitTrue(() -> masterStore().commits().inSync().contains("g2"));
  }

  private MessageStore masterStore() {
    return SluiceStores.get(Adapter.toClassic(n1.system())).storeFor("sluice.persistence.journal");
  }

  private MessageStore replicaStore() {
    return ReplicationStatus.get(n2.system()).groups().get("g1").store();
  }

  private SendReceipt send(String id, int size) {
    Message message = Message.newBuilder().setTopic(TOPIC).setMessageId(id)
        .setBody(ByteString.copyFrom(new byte[size])).build();
    try {
      return client.send(SendRequest.newBuilder().addMessages(message).build())
          .toCompletableFuture().get(30, TimeUnit.SECONDS).getReceipts(0);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static HttpResponse<String> post(BrokerNode node, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + node.managementPort() + path))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), BodyHandlers.ofString());
  }
}
