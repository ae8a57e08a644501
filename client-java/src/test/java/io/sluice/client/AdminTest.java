package io.sluice.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.sluice.protocol.v1.QueryMessagesRequest;
import io.sluice.protocol.v1.ResetConsumerGroupOffsetRequest;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin API (topics, retry policies, dead letters), endpoint failover, and a client that
 * owns its actor system, against the in-test
 * {@link FakeBroker}.
 */
class AdminTest {
  static ActorSystem system;
  static FakeBroker broker;

  @BeforeAll
  static void startBroker() throws Exception {
    system = FakeBroker.serverSystem("admin-test");
    broker = FakeBroker.start(system);
  }

  @AfterAll
  static void stopBroker() throws Exception {
    broker.stopWithSystem();
  }

  @Test
  void createsDescribesUpdatesListsAndDeletesTopics() {
    // no actorSystem(...): the client creates and terminates its own
    try (SluiceClient client = SluiceClient.builder().endpoints(broker.endpoint()).build()) {
      Admin admin = client.admin();
      TopicInfo created = admin.createTopic("orders-admin", 4, MessageType.FIFO);
      assertEquals(new TopicInfo("orders-admin", 4, MessageType.FIFO, 72), created);
      assertEquals(created, admin.describeTopic("orders-admin"));

      TopicInfo updated = admin.updateTopic(new TopicInfo("orders-admin", 6, MessageType.FIFO, 24));
      assertEquals(6, updated.queueCount());
      assertEquals(24, updated.retentionHours());
      assertTrue(admin.listTopics().contains(updated));

      ConsumerGroupInfo group = admin.describeConsumerGroup("g1", "orders-admin");
      assertEquals(6, group.queues().size());
      assertEquals(18, group.totalLag());

      admin.deleteTopic("orders-admin");
      assertThrows(TopicNotFoundException.class, () -> admin.describeTopic("orders-admin"));
    }
  }

  @Test
  void resetsOffsetsAndQueriesMessages() {
    try (SluiceClient client = broker.clientBuilder().build()) {
      Admin admin = client.admin();
      admin.createTopic("orders-query", 2, MessageType.NORMAL);
      broker.adminRequests.clear();

      assertEquals(2, admin.resetConsumerGroupOffset("g", "orders-query", OffsetReset.earliest()).queues().size());
      admin.resetConsumerGroupOffset("g", "orders-query", OffsetReset.latest());
      admin.resetConsumerGroupOffset("g", "orders-query", OffsetReset.toStoreTime(Instant.ofEpochMilli(1234)));
      List<MessageView> found = admin.queryMessagesByKey("orders-query", "k1", 7);
      admin.queryMessagesById("orders-query", "id-1");
      admin.queryMessagesByStoreTime("orders-query", Instant.ofEpochMilli(10), Instant.ofEpochMilli(20), 5);

      List<Object> sent = List.copyOf(broker.adminRequests);
      assertEquals(6, sent.size());
      assertTrue(((ResetConsumerGroupOffsetRequest) sent.get(0)).getEarliest());
      assertTrue(((ResetConsumerGroupOffsetRequest) sent.get(1)).getLatest());
      assertEquals(1234, ((ResetConsumerGroupOffsetRequest) sent.get(2)).getTimestampMs());
      QueryMessagesRequest byKey = (QueryMessagesRequest) sent.get(3);
      assertEquals("k1", byKey.getKey());
      assertEquals(7, byKey.getMaxMessages());
      assertEquals("id-1", ((QueryMessagesRequest) sent.get(4)).getMessageId());
      QueryMessagesRequest byTime = (QueryMessagesRequest) sent.get(5);
      assertEquals(10, byTime.getStoreTime().getFromMs());
      assertEquals(20, byTime.getStoreTime().getToMs());

      // a looked-up message is not a delivery
      assertEquals(1, found.size());
      assertEquals("orders-query", found.get(0).topic());
      assertEquals(0, found.get(0).attempt());
      assertEquals("", found.get(0).receiptHandle());
      assertThrows(TopicNotFoundException.class, () -> admin.queryMessagesByKey("nope", "k", 1));
    }
  }

  @Test
  void rejectionsMapToTypedExceptions() {
    try (SluiceClient client = broker.clientBuilder().build()) {
      Admin admin = client.admin();
      admin.createTopic("orders-dup", 0, MessageType.NORMAL);
      TopicExistsException exists =
          assertThrows(
              TopicExistsException.class,
              () -> admin.createTopic("orders-dup", 0, MessageType.NORMAL));
      assertEquals(Status.Code.ALREADY_EXISTS, exists.statusCode());

      InvalidArgumentException badName =
          assertThrows(
              InvalidArgumentException.class,
              () -> admin.createTopic("bad name!", 1, MessageType.NORMAL));
      assertEquals(Reason.INVALID_NAME, badName.reason());

      TopicNotFoundException missing =
          assertThrows(TopicNotFoundException.class, () -> admin.deleteTopic("never-created"));
      assertEquals(Reason.TOPIC_NOT_FOUND, missing.reason());

      SluiceException unknownGroup =
          assertThrows(
              SluiceException.class, () -> admin.describeConsumerGroup("unknown", "orders-dup"));
      assertEquals(Reason.GROUP_NOT_FOUND, unknownGroup.reason());
      assertEquals(SluiceException.class, unknownGroup.getClass());
    }
  }

  @Test
  void failsOverToTheNextEndpointWhenTheFirstIsUnavailable() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    try (SluiceClient client =
        SluiceClient.builder()
            .endpoints("127.0.0.1:" + deadPort, broker.endpoint())
            .actorSystem(system)
            .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(20))
            .build()) {
      broker.topics.putIfAbsent(
          "orders-failover",
          io.sluice.protocol.v1.Topic.newBuilder()
              .setName("orders-failover")
              .setQueueCount(1)
              .build());
      List<TopicInfo> topics = client.admin().listTopics();
      assertTrue(topics.stream().anyMatch(t -> t.name().equals("orders-failover")));
      // the switch sticks: the next call goes straight to the live endpoint
      assertEquals("orders-failover", client.admin().describeTopic("orders-failover").name());
    }
  }

  @Test
  void unreachableBrokerEndsInBrokerUnavailable() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    try (SluiceClient client =
        SluiceClient.builder()
            .endpoints("127.0.0.1:" + deadPort)
            .actorSystem(system)
            .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5))
            .build()) {
      BrokerUnavailableException e =
          assertThrows(BrokerUnavailableException.class, () -> client.admin().listTopics());
      assertEquals(Status.Code.UNAVAILABLE, e.statusCode());
    }
  }

  @Test
  void setsAndReadsRetryPolicyInMilliseconds() {
    try (SluiceClient client = broker.clientBuilder().build()) {
      RetryPolicy stored = client.admin().setRetryPolicy("g1",
          RetryPolicy.builder().delays(Duration.ofMillis(100), Duration.ofSeconds(2)).build());
      assertEquals(new RetryPolicy(3, List.of(Duration.ofMillis(100), Duration.ofSeconds(2))), stored);
      assertEquals(stored, client.admin().retryPolicy("g1"));
      assertEquals(100, broker.retryPolicies.get("g1").getDelaysMs(0));
    }
  }

  @Test
  void mapsDeadLettersAndPageTokens() {
    try (SluiceClient client = broker.clientBuilder().build()) {
      DeadLetterPage first = client.admin().listDeadLetters("g1", 10, true, null);
      assertEquals(Optional.of("next"), first.nextPageToken());
      DeadLetter d = first.deadLetters().get(0);
      assertEquals("orders", d.originalTopic());
      assertEquals(2, d.originalQueueId());
      assertEquals(41, d.originalOffset());
      assertEquals(3, d.attempts());
      assertEquals(Instant.ofEpochMilli(1_000), d.deadLetteredAt());
      assertEquals(List.of("order-3"), d.message().keys());
      assertTrue(client.admin().listDeadLetters("g1", 10, true, "next").nextPageToken().isEmpty());
      assertEquals(2, client.admin().redriveDeadLetters("g1", List.of("a", "b")));
    }
  }

  @Test
  void cancelsADelayedMessageAndNamesWhyItCannot() {
    try (SluiceClient client = SluiceClient.builder().endpoints(broker.endpoint()).build()) {
      client.admin().cancelDelayedMessage("later", "pending");
      SluiceException refused = assertThrows(SluiceException.class,
          () -> client.admin().cancelDelayedMessage("later", "gone"));
      assertEquals(Reason.MESSAGE_NOT_PENDING, refused.reason());
      assertEquals(Status.Code.FAILED_PRECONDITION, refused.statusCode());
      assertTrue(refused.getMessage().contains("delivered already"), refused.getMessage());
    }
  }
}
