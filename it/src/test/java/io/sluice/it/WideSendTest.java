package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.client.MessageType;
import io.sluice.client.QueueProgress;
import io.sluice.client.SluiceClient;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.SendReceipt;
import io.sluice.protocol.v1.SendRequest;
import io.sluice.protocol.v1.SendResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documented maximum at once (issue #11, item 4): one {@code Send} of 2,048 messages to a
 * fresh topic of 1,024 queues starts about 900 queue entities together, each creating its storage
 * files on its first write. Before the fix the journal's circuit breaker opened, 2,016 receipts said
 * BROKER_BUSY (all 2,048 were stored) and the topic registry singleton stopped for good. Now every
 * receipt is stored or SEND_OUTCOME_UNKNOWN, a resend of the unknown ones under their ids stores
 * nothing twice, and topic admin works right after.
 */
@ExtendWith(BrokerLogsOnFailure.class)
class WideSendTest {
  @TempDir static Path tmp;
  static BrokerProcess node;
  static SluiceClient client;
  static RawGrpc raw;

  @BeforeAll
  static void start() {
    node = BrokerProcess.start(tmp.resolve("data"), "-Xmx384m", "-XX:+ExitOnOutOfMemoryError");
    client = node.newClient();
    raw = new RawGrpc(node.grpcPort());
  }

  @AfterAll
  static void stop() throws Exception {
    Closer.closeAll(raw, client, node);
  }

  @Test
  void sendOf2048MessagesTo1024QueuesIsStoredOnceAndTopicAdminKeepsWorking() {
    client.admin().createTopic("wide", 1024, MessageType.NORMAL);
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < 2048; i++) {
      messages.add(Message.newBuilder().setTopic("wide").setMessageId(String.format("wide-%04d", i))
          .setBody(ByteString.copyFrom("wide-" + i, StandardCharsets.UTF_8)).build());
    }
    Map<String, SendReceipt> stored = new HashMap<>();
    Map<String, Integer> firstOutcomes = new HashMap<>();
    List<Message> toSend = messages;
    for (int round = 0; round < 20 && !toSend.isEmpty(); round++) {
      SendResponse response = RawGrpc.await(raw.messaging.send(SendRequest.newBuilder().addAllMessages(toSend).build()));
      List<Message> unknown = new ArrayList<>();
      for (int i = 0; i < toSend.size(); i++) {
        SendReceipt r = response.getReceipts(i);
        if (round == 0) {
          firstOutcomes.merge(r.getStatus().getReason().name(), 1, Integer::sum);
        }
        if (r.getStatus().getCode() == 0) {
          stored.put(r.getMessageId(), r);
        } else {
          assertEquals(Reason.SEND_OUTCOME_UNKNOWN, r.getStatus().getReason(), "only an unknown outcome may fail: " + r);
          assertEquals(io.grpc.Status.Code.DEADLINE_EXCEEDED.value(), r.getStatus().getCode());
          unknown.add(toSend.get(i));
        }
      }
      toSend = unknown;
    }
    System.out.println("WideSendTest: outcomes of the first Send " + firstOutcomes);
    assertEquals(2048, stored.size(), "every message stored after resends");

    // topic admin works right after
    client.admin().createTopic("after-wide", 4, MessageType.NORMAL);
    client.admin().deleteTopic("after-wide");
    assertTrue(client.admin().listTopics().stream().noneMatch(t -> t.name().equals("after-wide")));

    // each id at its own place, and the queues hold exactly 2,048: nothing stored twice
    Set<String> places = new HashSet<>();
    stored.values().forEach(r -> places.add(r.getQueueId() + "/" + r.getOffset()));
    assertEquals(2048, places.size());
    long held = client.admin().describeConsumerGroup("counter", "wide").queues().stream()
        .mapToLong(QueueProgress::endOffset).sum();
    assertEquals(2048, held);
  }
}
