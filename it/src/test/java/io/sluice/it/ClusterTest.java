package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.MessageType;
import io.sluice.client.MessageView;
import io.sluice.client.PushConsumer;
import io.sluice.client.RetryPolicy;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.TopicExistsException;
import io.sluice.client.TopicInfo;
import io.sluice.protocol.v1.MessageQueue;
import io.sluice.protocol.v1.QueryRouteRequest;
import io.sluice.protocol.v1.QueryRouteResponse;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.SendReceipt;
import io.sluice.protocol.v1.SendRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12, "Behaviour that must hold", on 3 node JVMs on 127.0.0.1 ({@link ClusterHarness}),
 * through client-java (and the raw stubs for routes and one probe send), each checked with {@link
 * HistoryChecker}. About 1,000 messages a second at most: three JVMs share 2 cores.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class ClusterTest {
  static final int QUEUES = 24;
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(90);

  @TempDir Path tmp;
  ClusterHarness cluster;
  final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    List<AutoCloseable> all = new ArrayList<>(opened);
    Collections.reverse(all);
    all.add(cluster);
    Closer.closeAll(all.toArray(new AutoCloseable[0]));
  }

  /**
   * How long a node's graceful stop waits for in-flight requests (the node's default is 10 s). The
   * load's produce streams never end by themselves, so a stop under load always waited all of it.
   */
  static final String SHUTDOWN_DEADLINE = "-Dsluice.gateway.shutdown-deadline=2s";

  ClusterHarness startCluster() {
    cluster = new ClusterHarness(tmp, 3, SHUTDOWN_DEADLINE);
    cluster.startAll();
    return cluster;
  }

  <T extends AutoCloseable> T open(T resource) {
    opened.add(resource);
    return resource;
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void topicCreatedOnOneNodeIsServedByEveryNode() throws Exception {
    startCluster();
    SluiceClient c1 = cluster.client(1);
    SluiceClient c3 = cluster.client(3);
    String topic = "spread";

    long created = System.nanoTime();
    c1.admin().createTopic(topic, QUEUES, MessageType.NORMAL);
    RawGrpc raw3 = open(new RawGrpc(cluster.node(3).grpcPort()));
    Await.until("n3 describes and routes " + topic, Duration.ofSeconds(30), () -> {
      try {
        return c3.admin().describeTopic(topic).queueCount() == QUEUES && route(raw3, topic).getQueuesCount() == QUEUES;
      } catch (RuntimeException e) {
        return false;
      }
    });
    long seenMs = (System.nanoTime() - created) / 1_000_000;
    System.out.printf("[it] topic created through n1 seen on n3 (describe and route) after %d ms%n", seenMs);
    assertTrue(seenMs < 5_000, "the topic reached n3 after " + seenMs + " ms (the issue asks for 1 s; 5 s allowed"
        + " for a busy machine)");
    assertEquals(Map.of("g1", 8, "g2", 8, "g3", 8), queuesPerGroup(route(raw3, topic)),
        "24 queues spread evenly over the 3 broker groups, as n3 routes them");

    History history = new History();
    String group = "readers";
    PushConsumer consumer = open(Workload.consume(c3, group, topic, history));
    Workload.Producing producing = open(new Workload.Producing(c1, "p1", topic, history, 800));
    Await.until("2,400 sends acknowledged", Duration.ofSeconds(60), () -> history.acked() >= 2_400
        || history.sends().size() > 4_000, () -> history.acked() + " acked of " + history.sends().size());
    producing.close();
    assertEquals(0, history.sends().size() - history.acked(), "sends through n1 failed without any fault: "
        + producing.failures() + "; " + HistoryChecker.check(history, group).summary());
    Await.until("every acknowledged message delivered to " + group + " through n3", DRAIN_TIMEOUT,
        () -> HistoryChecker.check(history, group).lost().isEmpty(),
        () -> HistoryChecker.check(history, group).summary());
    consumer.close();
    HistoryChecker.Report report = HistoryChecker.check(history, group);
    System.out.println("[it] produce through n1, consume through n3: " + report.summary());
    assertTrue(report.acked() >= 2_400, "acknowledged sends: " + report.summary());
    assertEquals(Map.of(), report.duplicated(), "no message delivered twice without a fault");
    report.assertValid();
    assertEquals(QUEUES, history.deliveries().stream().map(History.Delivery::queueId).distinct().count(),
        "deliveries came from all 24 queues");

    // a lookup through n2 runs on the node owning each message's queue: one message per broker group
    Map<Integer, String> groupOfQueue = route(raw3, topic).getQueuesList().stream()
        .collect(Collectors.toMap(MessageQueue::getQueueId, MessageQueue::getBrokerGroup));
    SluiceClient c2 = cluster.client(2);
    for (String brokerGroup : List.of("g1", "g2", "g3")) {
      History.Send sent = history.sends().stream()
          .filter(s -> s.outcome() == History.Outcome.OK
              && groupOfQueue.get(s.queueId()).equals(brokerGroup))
          .findFirst().orElseThrow();
      List<MessageView> found = c2.admin().queryMessagesById(topic, sent.id());
      assertEquals(1, found.size(), "message " + sent.id() + " of group " + brokerGroup + " looked up through n2");
      assertEquals(sent.queueId(), found.get(0).queueId());
      assertEquals(sent.offset(), found.get(0).offset());
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void killedNodesQueuesAreUnavailableOthersServeAndNothingAckedIsLost() throws Exception {
    startCluster();
    String topic = "load";
    String probe = "probe";
    SluiceClient admin = cluster.client(1);
    admin.admin().createTopic(topic, QUEUES, MessageType.NORMAL);
    admin.admin().createTopic(probe, QUEUES, MessageType.FIFO);
    int victim = cluster.singletonNode() == 3 ? 2 : 3; // keep the registry up: this test is about queues
    String deadGroup = ClusterHarness.brokerGroup(victim);
    RawGrpc raw1 = open(new RawGrpc(cluster.node(1).grpcPort()));
    Await.until("n1 routes " + topic + " to every broker group", Duration.ofSeconds(30),
        () -> queuesPerGroup(route(raw1, topic)).keySet().equals(Set.of("g1", "g2", "g3")),
        () -> "route " + queuesPerGroup(route(raw1, topic)));

    History history = new History();
    Workload.Producing producing = open(new Workload.Producing(cluster.clientOfAll(), "load", topic, history, 600));
    Await.until("1,000 sends acknowledged before the kill", Duration.ofSeconds(60), () -> history.acked() >= 1_000);

    cluster.sigkill(victim);
    long killedAt = System.nanoTime();
    Await.until("n1 routes the queues of " + deadGroup + " as unavailable", ClusterHarness.MEMBERSHIP_TIMEOUT, () -> {
      QueryRouteResponse r = route(raw1, topic);
      return r.getQueuesList().stream().allMatch(q -> q.getAvailable() != q.getBrokerGroup().equals(deadGroup));
    }, () -> "route " + route(raw1, topic).getQueuesList());
    System.out.printf("[it] %s unavailable in n1's route %d ms after SIGKILL%n", deadGroup,
        (System.nanoTime() - killedAt) / 1_000_000);

    // a FIFO message whose group hashes onto a dead queue cannot go elsewhere: QUEUE_UNAVAILABLE
    QueryRouteResponse probeRoute = route(raw1, probe);
    int deadQueue = probeRoute.getQueuesList().stream().filter(q -> q.getBrokerGroup().equals(deadGroup))
        .mapToInt(MessageQueue::getQueueId).findFirst().orElseThrow();
    String messageGroup = groupHashingTo(deadQueue, QUEUES);
    SendReceipt[] refused = {null};
    Await.until("a FIFO send to queue " + deadQueue + " of " + deadGroup + " is refused QUEUE_UNAVAILABLE",
        Duration.ofSeconds(30), () -> {
          refused[0] = RawGrpc.await(raw1.messaging.send(SendRequest.newBuilder().addMessages(
              io.sluice.protocol.v1.Message.newBuilder().setTopic(probe).setMessageId(newId())
                  .setMessageGroup(messageGroup).setBody(com.google.protobuf.ByteString.copyFromUtf8("probe")))
              .build())).getReceipts(0);
          return refused[0].getStatus().getReason() == Reason.QUEUE_UNAVAILABLE;
        }, () -> "last receipt " + refused[0]);
    assertTrue(refused[0].getStatus().getMessage().contains(deadGroup), "the refusal names the broker group: "
        + refused[0]);

    // NORMAL sends keep succeeding on the other queues
    long ackedAtOutage = history.acked();
    Await.until("600 more sends acknowledged while " + deadGroup + " is down", Duration.ofSeconds(60),
        () -> history.acked() >= ackedAtOutage + 600, () -> (history.acked() - ackedAtOutage) + " more; failures "
            + producing.failures());

    cluster.restart(victim);
    cluster.awaitUp(3);
    Await.until("n1 routes every queue as available again", ClusterHarness.MEMBERSHIP_TIMEOUT,
        () -> route(raw1, topic).getQueuesList().stream().allMatch(MessageQueue::getAvailable));
    long ackedAtReturn = history.acked();
    Await.until("sends acknowledged after the restart", Duration.ofSeconds(60),
        () -> history.acked() >= ackedAtReturn + 300);
    producing.close();
    System.out.println("[it] send failures by reason: " + producing.failures());

    String drainer = "drain";
    Workload.drain(cluster.client(2), drainer, List.of(topic), history, DRAIN_TIMEOUT);
    HistoryChecker.Report report = HistoryChecker.check(history, drainer);
    System.out.println("[it] SIGKILL of n" + victim + " under load: " + report.summary());
    report.assertValid();
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void registrySurvivesItsNodeKilledOrStoppedAndAFullRestart() throws Exception {
    startCluster();
    SluiceClient c = cluster.client(1);
    List<String> topics = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String t = "before-" + i;
      c.admin().createTopic(t, 6, i % 2 == 0 ? MessageType.NORMAL : MessageType.FIFO);
      topics.add(t);
    }

    for (String stop : List.of("SIGKILL", "SIGTERM")) {
      int singleton = cluster.singletonNode();
      if (stop.equals("SIGKILL")) {
        cluster.sigkill(singleton);
      } else {
        cluster.sigterm(singleton);
      }
      long stoppedAt = System.nanoTime();
      int other = cluster.running().get(0);
      String created = "after-" + stop.toLowerCase();
      SluiceClient survivor = cluster.client(other);
      Await.until("topic creation works through n" + other + " after " + stop + " of the registry's node n" + singleton,
          ClusterHarness.MEMBERSHIP_TIMEOUT.plusSeconds(30), () -> tryCreate(survivor, created));
      System.out.printf("[it] topic creation works again %d ms after %s of n%d (registry singleton)%n",
          (System.nanoTime() - stoppedAt) / 1_000_000, stop, singleton);
      topics.add(created);
      for (int i : cluster.running()) {
        assertTopics(cluster.client(i), topics, "after " + stop + " of n" + singleton + ", on n" + i);
      }
      cluster.restart(singleton);
      cluster.awaitUp(3);
    }

    SluiceClient beforeFullRestart = cluster.client(cluster.running().get(0));
    RetryPolicy stored = beforeFullRestart.admin().setRetryPolicy("billing", RetryPolicy.builder().maxAttempts(5)
        .delays(Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(3)).build());
    // the group becomes known to the broker by consuming
    beforeFullRestart.newSimpleConsumer("billing", "before-0").receive(1, Duration.ofSeconds(10));
    for (int i : cluster.running()) {
      cluster.sigterm(i);
    }
    cluster.startAll();
    for (int i = 1; i <= 3; i++) {
      SluiceClient ci = cluster.client(i);
      assertTopics(ci, topics, "after a full restart, on n" + i);
      assertEquals(stored, ci.admin().retryPolicy("billing"), "retry policy after a full restart, on n" + i);
      ci.admin().describeConsumerGroup("billing", "before-0"); // throws GROUP_NOT_FOUND if forgotten
    }
    SluiceClient after = cluster.client(2);
    assertTrue(tryCreate(after, "after-full-restart"), "topic creation after a full restart");
    assertTopicExists(after, "before-1");
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void rollingRestartUnderLoadLosesNoAcknowledgedMessage() throws Exception {
    startCluster();
    String topic = "rolling";
    cluster.client(1).admin().createTopic(topic, QUEUES, MessageType.NORMAL);
    History history = new History();
    Workload.Producing producing = open(new Workload.Producing(cluster.clientOfAll(), "roll", topic, history, 600));
    Await.until("500 sends acknowledged", Duration.ofSeconds(60), () -> history.acked() >= 500);
    for (int i = 1; i <= 3; i++) {
      int exit = cluster.sigterm(i);
      assertTrue(exit == 0 || exit == 143, "n" + i + " exit code after SIGTERM: " + exit);
      cluster.awaitUp(2);
      cluster.restart(i);
      cluster.awaitUp(3);
      long acked = history.acked();
      Await.until("sends acknowledged after n" + i + " came back", Duration.ofSeconds(60),
          () -> history.acked() >= acked + 300, () -> "failures " + producing.failures());
    }
    producing.close();
    System.out.println("[it] send failures by reason during the rolling restart: " + producing.failures());
    String drainer = "drain";
    Workload.drain(cluster.client(3), drainer, List.of(topic), history, DRAIN_TIMEOUT);
    HistoryChecker.Report report = HistoryChecker.check(history, drainer);
    System.out.println("[it] rolling restart under load: " + report.summary());
    report.assertValid();
  }

  // ---------------------------------------------------------------------------------------------

  static QueryRouteResponse route(RawGrpc raw, String topic) {
    return RawGrpc.await(raw.messaging.queryRoute(QueryRouteRequest.newBuilder().setTopic(topic).build()));
  }

  /** How many of a route's queues each broker group owns ("" for a queue without one). */
  static Map<String, Integer> queuesPerGroup(QueryRouteResponse route) {
    Map<String, Integer> out = new TreeMap<>();
    route.getQueuesList().forEach(q -> out.merge(q.getBrokerGroup(), 1, Integer::sum));
    return out;
  }

  /** A message group that the broker's queue selector (CRC32C of the group) places on {@code queue}. */
  static String groupHashingTo(int queue, int queueCount) {
    for (int i = 0; ; i++) {
      String group = "probe-" + i;
      CRC32C crc = new CRC32C();
      crc.update(group.getBytes(StandardCharsets.UTF_8));
      if (crc.getValue() % queueCount == queue) {
        return group;
      }
    }
  }

  static String newId() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  /** Creates a topic; true once it exists (an earlier attempt that timed out may have created it). */
  static boolean tryCreate(SluiceClient client, String topic) {
    try {
      client.admin().createTopic(topic, 4, MessageType.NORMAL);
      return true;
    } catch (TopicExistsException e) {
      return true;
    } catch (SluiceException e) {
      return false;
    }
  }

  static void assertTopics(SluiceClient client, List<String> expected, String when) {
    Set<String> listed = client.admin().listTopics().stream().map(TopicInfo::name).collect(Collectors.toCollection(TreeSet::new));
    assertTrue(listed.containsAll(expected), "topics forgotten " + when + ": expected " + expected + ", listed " + listed);
  }

  static void assertTopicExists(SluiceClient client, String topic) {
    try {
      client.admin().createTopic(topic, 6, MessageType.FIFO);
    } catch (TopicExistsException e) {
      return;
    }
    throw new AssertionError("TOPIC_EXISTS no longer holds for " + topic + ": it was created again");
  }
}
