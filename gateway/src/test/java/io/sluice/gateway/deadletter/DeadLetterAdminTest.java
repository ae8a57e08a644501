package io.sluice.gateway.deadletter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.sluice.actors.consume.DeadLetters;
import io.sluice.actors.topic.TopicConfig;
import io.sluice.gateway.BrokerException;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.MessageType;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.TransactionRef;
import org.junit.jupiter.api.Test;

class DeadLetterAdminTest {
  static final Message PLAIN = Message.newBuilder().setMessageId("m").setBody(ByteString.copyFromUtf8("x")).build();
  static final Message COMMITTED = PLAIN.toBuilder()
      .setTransaction(TransactionRef.newBuilder().setTransactionId("t").setProducerGroup("p")).build();

  static TopicConfig topic(MessageType type) {
    return new TopicConfig("orders", 2, type, 0);
  }

  static Reason refusal(MessageType type, Message redriven) {
    return assertThrows(BrokerException.class, () -> DeadLetterAdmin.checkType(topic(type), redriven)).reason();
  }

  @Test
  void aDeadLetterGoesBackOnlyIntoATopicOfItsKind() {
    DeadLetterAdmin.checkType(topic(MessageType.NORMAL), PLAIN);
    DeadLetterAdmin.checkType(topic(MessageType.TRANSACTION), COMMITTED);
    DeadLetterAdmin.checkType(topic(MessageType.FIFO), PLAIN.toBuilder().setMessageGroup("g").build());
    assertEquals(Reason.MESSAGE_TYPE_MISMATCH, refusal(MessageType.TRANSACTION, PLAIN), "smuggled into a transaction topic");
    assertEquals(Reason.MESSAGE_TYPE_MISMATCH, refusal(MessageType.NORMAL, COMMITTED));
    assertEquals(Reason.MESSAGE_TYPE_MISMATCH, refusal(MessageType.FIFO, PLAIN));
  }

  @Test
  void malformedDeadLetterNumbersReadAsZero() {
    Message planted = PLAIN.toBuilder().putProperties(DeadLetters.ORIGINAL_QUEUE, "not-a-number")
        .putProperties(DeadLetters.ATTEMPTS, "7").build();
    assertEquals(0, DeadLetterAdmin.number(planted, DeadLetters.ORIGINAL_QUEUE));
    assertEquals(0, DeadLetterAdmin.number(planted, DeadLetters.ORIGINAL_OFFSET));
    assertEquals(7, DeadLetterAdmin.number(planted, DeadLetters.ATTEMPTS));
  }
}
