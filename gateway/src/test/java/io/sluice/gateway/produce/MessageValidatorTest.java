package io.sluice.gateway.produce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.actors.topic.Topics;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.TransactionRef;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class MessageValidatorTest {
  private static final long NOW_MS = 1_800_000_000_000L;
  private final MessageValidator validator =
      new MessageValidator(catalog(), 16, new DelayRule(Duration.ofDays(40), () -> NOW_MS));

  private static TopicCatalog catalog() {
    TopicCatalog catalog = new TopicCatalog();
    catalog.offer(new Topics(1, Map.of(
        "orders", new TopicConfig("orders", 2, MessageType.NORMAL, 0),
        "later", new TopicConfig("later", 2, MessageType.DELAY, 0),
        "fifo", new TopicConfig("fifo", 2, MessageType.FIFO, 0),
        "payments", new TopicConfig("payments", 2, MessageType.TRANSACTION, 0),
        "%DLQ%billing", new TopicConfig("%DLQ%billing", 1, MessageType.NORMAL, 0))));
    return catalog;
  }

  private static Message message(UnaryOperator<Message.Builder> change) {
    return change.apply(Message.newBuilder().setTopic("orders").setBody(ByteString.copyFromUtf8("hello"))).build();
  }

  private Reason refusal(Message m) {
    return assertThrows(BrokerException.class, () -> validator.check(m)).reason();
  }

  @Test
  void acceptsAGoodMessage() {
    assertEquals("orders", validator.check(message(b -> b.setTag("created").addKeys("k1"))).name());
  }

  @Test
  void namesEachRuleBroken() {
    assertEquals(Reason.TOPIC_NOT_FOUND, refusal(message(b -> b.setTopic("missing"))));
    assertEquals(Reason.INVALID_NAME, refusal(message(b -> b.setTopic("bad name"))));
    assertEquals(Reason.INVALID_NAME, refusal(message(b -> b.setTopic(""))));
    assertEquals(Reason.MESSAGE_BODY_EMPTY, refusal(message(b -> b.setBody(ByteString.EMPTY))));
    assertEquals(Reason.MESSAGE_TOO_LARGE, refusal(message(b -> b.setBody(ByteString.copyFrom(new byte[17])))));
    assertEquals(Reason.INVALID_ARGUMENT, refusal(message(b -> b.setTopic("later"))));
    assertEquals(Reason.INVALID_ARGUMENT, refusal(message(b -> b.setTag("a||b"))));
    assertEquals(Reason.INVALID_ARGUMENT, refusal(message(b -> b.setTag("*"))));
    assertEquals(Reason.INVALID_ARGUMENT, refusal(message(b -> b.addKeys(""))));
  }

  @Test
  void propertiesKeysAndTagCountTowardTheMessageSize() {
    // the limit is 16 bytes here: a 1-byte body with a large property is too large
    assertEquals(Reason.MESSAGE_TOO_LARGE,
        refusal(message(b -> b.setBody(ByteString.copyFromUtf8("x")).putProperties("p", "v".repeat(15)))));
    assertEquals("orders", validator.check(message(b -> b.setBody(ByteString.copyFromUtf8("x"))
        .putProperties("p", "v".repeat(14)))).name(), "1 + 1 + 14 bytes fit");
    assertEquals(Reason.MESSAGE_TOO_LARGE, refusal(message(b -> b.setTag("t".repeat(12)))));
    assertEquals(Reason.MESSAGE_TOO_LARGE, refusal(message(b -> b.addKeys("k".repeat(12)))));
    // UTF-8 bytes, not characters: 5 + 1 + 2 * 3 + 4 = 16 fits, one more byte does not
    assertEquals("orders", validator.check(message(b -> b.putProperties("p", "\u20ac\u20ac\ud83d\ude00"))).name());
    assertEquals(Reason.MESSAGE_TOO_LARGE, refusal(message(b -> b.putProperties("p", "\u20ac\u20ac\ud83d\ude00x"))));
  }

  @Test
  void propertyNamesNeedOneTo128Characters() {
    MessageValidator roomy = new MessageValidator(catalog(), 1 << 20, new DelayRule(Duration.ofDays(40), () -> NOW_MS));
    assertEquals("orders", roomy.check(message(b -> b.putProperties("p".repeat(128), "v"))).name());
    for (String name : new String[] {"", " ", "p".repeat(129), "p".repeat(1 << 16)}) {
      BrokerException e = assertThrows(BrokerException.class, () -> roomy.check(message(b -> b.putProperties(name, "v"))));
      assertEquals(Reason.INVALID_NAME, e.reason(), "name of " + name.length() + " characters");
    }
  }

  @Test
  void brokerOwnedTopicsAreReadOnly() {
    BrokerException e = assertThrows(BrokerException.class, () -> validator.check(message(b -> b.setTopic("%DLQ%billing"))));
    assertEquals(Reason.TOPIC_READ_ONLY, e.reason());
    assertEquals(io.grpc.Status.Code.PERMISSION_DENIED, e.code());
  }

  @Test
  void delayTopicTakesADeliveryTimeUpToTheMaximumAhead() {
    long maxAhead = Duration.ofDays(40).toMillis();
    assertEquals("later", validator.check(message(b -> b.setTopic("later").setDeliverAtMs(NOW_MS + maxAhead))).name());
    assertEquals("later", validator.check(message(b -> b.setTopic("later").setDeliverAtMs(NOW_MS - 5_000))).name());
    BrokerException tooFar = assertThrows(BrokerException.class,
        () -> validator.check(message(b -> b.setTopic("later").setDeliverAtMs(NOW_MS + maxAhead + 1))));
    assertEquals(Reason.INVALID_ARGUMENT, tooFar.reason());
    assertTrue(tooFar.getMessage().contains("max-delay"), tooFar.getMessage());
  }

  @Test
  void deliveryTimeOnANonDelayTopicIsRefused() {
    BrokerException refused = assertThrows(BrokerException.class,
        () -> validator.check(message(b -> b.setDeliverAtMs(NOW_MS + 1_000))));
    assertEquals(Reason.MESSAGE_TYPE_MISMATCH, refused.reason());
    assertTrue(refused.getMessage().contains("DELAY"), refused.getMessage());
  }

  @Test
  void fifoTopicTakesMessagesWithAGroupOnly() {
    assertEquals("fifo", validator.check(message(b -> b.setTopic("fifo").setMessageGroup("order-1"))).name());
    BrokerException refused =
        assertThrows(BrokerException.class, () -> validator.check(message(b -> b.setTopic("fifo"))));
    assertEquals(Reason.INVALID_ARGUMENT, refused.reason());
    assertTrue(refused.getMessage().contains("message group"), refused.getMessage());
  }

  private static TransactionRef transaction(String id, String producerGroup) {
    return TransactionRef.newBuilder().setTransactionId(id).setProducerGroup(producerGroup).build();
  }

  @Test
  void transactionTopicTakesHalfMessagesOnlyAndOtherTopicsNone() {
    assertEquals("payments",
        validator.check(message(b -> b.setTopic("payments").setTransaction(transaction("tx-1", "pay-producers")))).name());
    BrokerException outside = assertThrows(BrokerException.class,
        () -> validator.check(message(b -> b.setTopic("payments"))));
    assertEquals(Reason.MESSAGE_TYPE_MISMATCH, outside.reason());
    assertTrue(outside.getMessage().contains("transaction"), outside.getMessage());
    BrokerException elsewhere = assertThrows(BrokerException.class,
        () -> validator.check(message(b -> b.setTransaction(transaction("tx-1", "pay-producers")))));
    assertEquals(Reason.MESSAGE_TYPE_MISMATCH, elsewhere.reason());
    assertTrue(elsewhere.getMessage().contains("TRANSACTION"), elsewhere.getMessage());
    assertEquals(Reason.INVALID_ARGUMENT,
        refusal(message(b -> b.setTopic("payments").setTransaction(transaction("", "pay-producers")))));
    assertEquals(Reason.INVALID_ARGUMENT,
        refusal(message(b -> b.setTopic("payments").setTransaction(transaction("t".repeat(129), "pay-producers")))));
    assertEquals(Reason.INVALID_NAME,
        refusal(message(b -> b.setTopic("payments").setTransaction(transaction("tx-1", "bad group")))));
  }

  @Test
  void normalTopicTakesAGroupForRouting() {
    assertEquals("orders", validator.check(message(b -> b.setMessageGroup("order-1"))).name());
  }

  @Test
  void refusesABlankOrOverlongGroup() {
    assertEquals(Reason.INVALID_ARGUMENT, refusal(message(b -> b.setMessageGroup(" "))));
    assertEquals(Reason.INVALID_ARGUMENT, refusal(message(b -> b.setMessageGroup("g".repeat(129)))));
  }

  @Test
  void bodyAtTheLimitIsAccepted() {
    assertEquals("orders", validator.check(message(b -> b.setBody(ByteString.copyFrom(new byte[16])))).name());
  }
}
