package io.sluice.gateway;

import static io.sluice.gateway.NodeTests.awaitTrue;
import static io.sluice.gateway.NodeTests.rawLog;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.gateway.replication.ReplicationStatus;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.RawChunk;
import io.sluice.persistence.store.StoreRole;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.MessagingServiceClient;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.SendReceipt;
import io.sluice.protocol.v1.SendRequest;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CommitLog replication between two in-process nodes: broker group g1 is replicated on {@code n1}
 * (group g1, preferred master) and {@code n2} (group g2, which keeps its copy in {@code
 * <data-dir>/replicas/g1/store}); the replica controller elects n1 once both reported. Messages go
 * to a topic whose one queue is in g1.
 */
class ReplicationNodeTest {
  private static final String TOPIC = "replicated";
  private static final String PID = Queue.persistenceIdOf(Queue.entityId("g1", TOPIC, 0, 0)).id();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir1;
  @TempDir Path dir2;
  @TempDir Path dir3;
  BrokerNode n1;
  BrokerNode n2;
  BrokerNode n3;
  MessagingServiceClient client;
  MessagingServiceClient client2;
  /** The replication settings of both nodes (the same on every node). */
  String nodeSettings;

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (client2 != null) {
      client2.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (n3 != null) {
      n3.stop();
    }
    if (n2 != null) {
      n2.stop();
    }
    if (n1 != null) {
      n1.stop();
    }
  }

  @Test
  void replicaBecomesByteIdenticalAndResumesAfterARestart() throws Exception {
    startMaster("async", "");
    startReplica();
    awaitMaster();
    for (int i = 0; i < 200; i++) {
      assertOk(send("m-" + i, 2_000));
    }
    awaitIdentical();

    JsonNode master = replicationJson(n1).get("groups").get(0);
    assertEquals("g1", master.get("group").asText());
    assertEquals("master", master.get("role").asText());
    assertEquals(1, master.get("epoch").asLong());
    assertEquals(masterStore().confirmedPosition(), master.get("logEnd").asLong());
    assertEquals("g2", master.get("replicas").get(0).get("replicaId").asText());
    assertFalse(master.get("replicas").get(0).get("stale").asBoolean(), "a replica fetching now is not stale");
    assertTrue(master.get("replicas").get(0).get("lastFetchAgeMillis").isNumber());
    assertEquals("[\"g2\"]", master.get("inSync").toString());
    JsonNode decided = master.get("controller");
    assertEquals("ACTIVE", decided.get("status").asText());
    assertEquals("g1", decided.get("master").asText());
    assertEquals(1, decided.get("epoch").asLong());
    assertEquals("[\"g1\",\"g2\"]", decided.get("inSync").toString());
    JsonNode replica = replicationJson(n2).get("groups").get(0);
    assertEquals("replica", replica.get("role").asText());
    assertEquals(masterStore().confirmedPosition(), replica.get("logEnd").asLong());
    assertEquals(masterStore().confirmedPosition(), replica.get("fetchedPosition").asLong());
    assertTrue(replica.get("master").asText().contains("sluice@127.0.0.1"), replica.toString());

    n2.stop();
    n2 = null;
    for (int i = 200; i < 300; i++) {
      assertOk(send("m-" + i, 2_000));
    }
    startReplica();
    awaitIdentical();
    assertEquals(301, replicaStore().highestSequenceNr(PID), "the probe and 300 messages");
  }

  @Test
  void aNewReplicaStartsAtTheMastersLowestPositionWhenRetentionRemovedTheStart() throws Exception {
    String smallSegments = "sluice.persistence.journal { segment-size = 256 KiB, max-record-size = 64 KiB,\n"
        + "  retention { time = 1 ms, check-interval = 200 ms } }\n";
    startMaster("async", smallSegments);
    startReplica(dir2, smallSegments);
    awaitMaster();
    n2.stop();
    n2 = null;
    for (int i = 0; i < 400; i++) {
      assertOk(send("old-" + i, 2_000));
    }
    awaitTrue(() -> masterStore().minPosition() > 0);
    // a new node of group g2, with an empty store
    startReplica(dir3, smallSegments);
    for (int i = 0; i < 20; i++) {
      assertOk(send("new-" + i, 2_000));
    }
    awaitTrue(() -> replicaStore().confirmedPosition() == masterStore().confirmedPosition());
    // the replica drops what the master's retention dropped (the floor comes with every chunk)
    awaitTrue(() -> replicaStore().minPosition() == masterStore().minPosition());
    long from = masterStore().minPosition();
    assertTrue(from > 0);
    // the reset replica starts in the master's epoch in force there (no EpochStart record reaches it)
    assertEquals(1, masterStore().epochs().epochAt(from).orElseThrow().epoch());
    assertEquals(List.of(new io.sluice.persistence.store.Epoch(1, from)), replicaStore().epochs().epochs());
    assertArrayEquals(rawLog(masterStore(), from), rawLog(replicaStore(), from));
  }

  @Test
  void aSyncWriteIsAcknowledgedOnlyOnceTheReplicaHasIt() throws Exception {
    startMaster("sync", "");
    startReplica();
    awaitMaster();
    awaitInSync(true);
    for (int i = 0; i < 50; i++) {
      SendReceipt receipt = send("s-" + i, 1_000);
      assertOk(receipt);
      assertTrue(replicaStore().highestSequenceNr(PID) >= receipt.getOffset() + 1,
          "acknowledged offset " + receipt.getOffset() + " is not on the replica");
    }
  }

  @Test
  void aStoppedReplicaLeavesTheInSyncSetAndWritesResumeWithMinInSyncOne() throws Exception {
    startMaster("sync", "sluice.cluster.replication.replica-max-lag = 2 s\n");
    startReplica();
    awaitMaster();
    awaitInSync(true);
    assertOk(send("before", 10));
    n2.stop();
    n2 = null;
    awaitInSync(false);
    assertOk(send("after", 10));
    assertTrue(masterStore().commits().inSync().isEmpty());
  }

  @Test
  void aStoppedReplicaLeavesTheInSyncSetAndWritesAreRefusedWithMinInSyncTwo() throws Exception {
    startMaster("sync", "sluice.cluster.replication.replica-max-lag = 2 s\n"
        + "sluice.cluster.replication.min-in-sync = 2\n");
    startReplica();
    awaitMaster();
    awaitInSync(true);
    assertOk(send("before", 10));
    n2.stop();
    n2 = null;
    awaitInSync(false);
    SendReceipt refused = send("after", 10);
    assertEquals(Reason.NOT_ENOUGH_REPLICAS, refused.getStatus().getReason(), refused.toString());
    assertEquals(io.grpc.Status.Code.UNAVAILABLE.value(), refused.getStatus().getCode());
  }

  @Test
  void aWriteTheInSyncReplicaDoesNotConfirmFailsPromptlyWithReplicationTimeout() throws Exception {
    startMaster("sync", "sluice.cluster.replication.replica-max-lag = 60 s\n"
        + "sluice.cluster.replication.timeout = 2 s\n");
    startReplica();
    awaitMaster();
    awaitInSync(true);
    assertOk(send("before", 10));
    n2.stop();
    n2 = null;
    long start = System.nanoTime();
    SendReceipt late = send("unconfirmed", 10);
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertEquals(Reason.REPLICATION_TIMEOUT, late.getStatus().getReason(), late.toString());
    assertEquals(io.grpc.Status.Code.DEADLINE_EXCEEDED.value(), late.getStatus().getCode());
    // the replication timeout, not the gateway's 10 s ask-timeout
    assertTrue(tookMs < 8_000, "answered after " + tookMs + " ms");
    assertTrue(masterStore().commits().inSync().contains("g2"), "the set has not shrunk yet");
  }

  @Test
  void aPlannedSwitchOverManagementHttpMakesTheInSyncReplicaMasterAndTheOldMasterItsReplica() throws Exception {
    startMaster("async", "");
    startReplica();
    awaitMaster();
    for (int i = 0; i < 20; i++) {
      assertOk(send("m-" + i, 100));
    }
    awaitInSync(true);
    assertEquals(404, post(n1, "/cluster/replication/g7/switch").statusCode());
    assertEquals(400, post(n1, "/cluster/replication/g1/force-master?replica=g2").statusCode());

    var switched = post(n1, "/cluster/replication/g1/switch");
    assertEquals(200, switched.statusCode(), switched.body());
    JsonNode decision = JSON.readTree(switched.body());
    assertEquals("g2", decision.get("master").asText());
    assertEquals(2, decision.get("epoch").asLong());
    awaitTrue(() -> replicaStore().role() == StoreRole.MASTER && masterStore().role() == StoreRole.REPLICA);
    // n1 now copies from n2: the new epoch's start reaches it, and nothing of n1's log is cut
    awaitTrue(() -> masterStore().epochs().last().orElseThrow().epoch() == 2
        && masterStore().confirmedPosition() == replicaStore().confirmedPosition());
    Path divergent = masterStore().settings().divergentDir();
    if (Files.exists(divergent)) {
      try (var files = Files.list(divergent)) {
        assertTrue(files.findAny().isEmpty(), "nothing was cut");
      }
    }
    awaitIdentical();
  }

  @Test
  void aMasterThatLeavesSwitchesItsGroupToTheInSyncReplicaFirst() throws Exception {
    startMaster("async", "");
    startReplica();
    awaitMaster();
    awaitInSync(true);
    MessageStore leaving = masterStore();
    client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    client = null;
    n1.stop();
    n1 = null;
    // switched away before the node left: it took no write past the switch
    assertEquals(StoreRole.REPLICA, leaving.role());
    awaitTrue(() -> replicaStore().role() == StoreRole.MASTER);
  }

  @Test
  void aLeavingMasterWhoseSwitchFailsDoesNotTakeWritesAgain() throws Exception {
    // the stopped replica stays in the in-sync set: the leaving master's switch waits for it in vain
    startMaster("async", "sluice.cluster.replication.replica-max-lag = 60 s\n"
        + "sluice.cluster.replication.timeout = 2 s\n");
    startReplica();
    awaitMaster();
    awaitInSync(true);
    n2.stop();
    n2 = null;
    assertOk(send("while-away", 10));
    MessageStore leaving = masterStore();
    client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    client = null;
    n1.stop();
    n1 = null;
    assertEquals(StoreRole.REPLICA, leaving.role(), "the failed switch of a leaving node resumed its writes");
  }

  @Test
  void aDeposedMastersPendingSyncWriteIsAnsweredAtOnceAndItsResendIsStoredOnce() throws Exception {
    // g3 stops but stays in the in-sync set (60 s): a sync write waits for it; g2 holds the write
    startMaster("[g1, g2, g3]", "sync", "sluice.cluster.replication.replica-max-lag = 60 s\n");
    startReplica();
    String seed = Cluster.get(n1.system()).selfMember().address().toString();
    n3 = TestNode.start(dir3, "sluice.cluster.broker-group = g3\n" + nodeSettings
        + "pekko.cluster.seed-nodes = [\"" + seed + "\"]\n");
    awaitMaster();
    awaitTrue(() -> masterStore().commits().inSync().containsAll(List.of("g2", "g3")));
    n3.stop();
    n3 = null;
    CompletableFuture<SendReceipt> pending = sendAsync(client, "pending");
    awaitTrue(() -> onReplica("pending") == 1
        && masterStore().commits().confirmedPositions().getOrDefault("g2", 0L) == masterStore().confirmedPosition());
    assertFalse(pending.isDone(), "g3 has not confirmed it");

    var switched = post(n1, "/cluster/replication/g1/switch");
    long switchedAt = System.nanoTime();
    assertEquals(200, switched.statusCode(), switched.body());
    assertEquals("g2", JSON.readTree(switched.body()).get("master").asText());
    SendReceipt answer = pending.get(30, TimeUnit.SECONDS);
    long afterSwitchMs = (System.nanoTime() - switchedAt) / 1_000_000;
    // outcome unknown: resend under the same id
    assertEquals(Reason.REPLICATION_TIMEOUT, answer.getStatus().getReason(), answer.toString());
    assertTrue(afterSwitchMs < 2_000, "answered " + afterSwitchMs + " ms after the demotion, not at once");

    client2 = MessagingServiceClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", n2.grpcPort(), n2.system()).withTls(false), n2.system());
    awaitTrue(() -> {
      try {
        return sendAsync(client2, "pending").get(30, TimeUnit.SECONDS).getStatus().getCode() == 0;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    assertEquals(1, onReplica("pending"), "the resend was stored again");
  }

  private static HttpResponse<String> post(BrokerNode node, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + node.managementPort() + path))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), BodyHandlers.ofString());
  }

  private void awaitInSync(boolean inSync) throws InterruptedException {
    awaitTrue(() -> masterStore().commits().inSync().contains("g2") == inSync);
  }

  private void startMaster(String mode, String more) throws Exception {
    startMaster("[g1, g2]", mode, more);
  }

  private void startMaster(String replicas, String mode, String more) throws Exception {
    nodeSettings = "sluice.controller.groups { g1 = " + replicas + " }\nsluice.cluster.replication.mode = " + mode
        + "\n" + more;
    n1 = TestNode.start(dir1, "sluice.cluster.broker-group = g1\n" + nodeSettings);
    client = MessagingServiceClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", n1.grpcPort(), n1.system()).withTls(false), n1.system());
    TopicConfig topic = new TopicConfig(TOPIC, 1, MessageType.NORMAL, 0).withQueueGroups(List.of("g1"));
    CompletionStage<TopicRegistry.Change> created = AskPattern.ask(TopicRegistry.init(n1.system()),
        replyTo -> new TopicRegistry.CreateTopic(topic, replyTo), Duration.ofSeconds(10), n1.system().scheduler());
    assertTrue(created.toCompletableFuture().get(15, TimeUnit.SECONDS) instanceof TopicRegistry.Changed);
  }

  /** Once both replicas reported, the controller elects n1 (first in the list): the probe is stored. */
  private void awaitMaster() throws InterruptedException {
    awaitTrue(() -> masterStore().role() == StoreRole.MASTER);
    awaitTrue(() -> send("probe", 1).getStatus().getCode() == 0);
  }

  private void startReplica() throws Exception {
    startReplica(dir2, "");
  }

  private void startReplica(Path dir, String more) throws Exception {
    String seed = Cluster.get(n1.system()).selfMember().address().toString();
    n2 = TestNode.start(dir, "sluice.cluster.broker-group = g2\n" + nodeSettings
        + "pekko.cluster.seed-nodes = [\"" + seed + "\"]\n" + more);
  }

  private MessageStore masterStore() {
    return SluiceStores.get(Adapter.toClassic(n1.system())).storeFor("sluice.persistence.journal");
  }

  private MessageStore replicaStore() {
    return ReplicationStatus.get(n2.system()).groups().get("g1").store();
  }

  private void awaitIdentical() throws Exception {
    awaitTrue(() -> replicaStore().confirmedPosition() == masterStore().confirmedPosition());
    MessageStore master = masterStore();
    MessageStore replica = replicaStore();
    assertEquals(master.minPosition(), replica.minPosition());
    assertArrayEquals(rawLog(master, master.minPosition()), rawLog(replica, replica.minPosition()));
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

  /** How many records with message id {@code id} n2's copy of g1 holds. */
  private int onReplica(String id) {
    try {
      return replicaStore().lookupByMessageId(id, 10).size();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static CompletableFuture<SendReceipt> sendAsync(MessagingServiceClient via, String id) {
    Message message = Message.newBuilder().setTopic(TOPIC).setMessageId(id)
        .setBody(ByteString.copyFrom(new byte[10])).build();
    return via.send(SendRequest.newBuilder().addMessages(message).build()).toCompletableFuture()
        .thenApply(response -> response.getReceipts(0));
  }

  private static void assertOk(SendReceipt receipt) {
    assertEquals(0, receipt.getStatus().getCode(), receipt.toString());
  }

  private static JsonNode replicationJson(BrokerNode node) throws Exception {
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + node.managementPort() + "/cluster/replication")).build(),
        BodyHandlers.ofString()).body();
    return JSON.readTree(body);
  }

}
