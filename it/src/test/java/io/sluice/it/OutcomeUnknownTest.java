package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.sluice.client.MessageType;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.Reason;
import io.sluice.protocol.v1.SendReceipt;
import io.sluice.protocol.v1.SendRequest;
import io.sluice.protocol.v1.SendResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #11, item 7: a node whose appends outlive its ask timeout (5 ms, and a journal that forces
 * every write to disk) must not call a message failed when it may be stored. Before the fix such
 * receipts said BROKER_BUSY although the messages were stored, and a resend stored them twice.
 * Now they say SEND_OUTCOME_UNKNOWN, and every message resent under its id is stored exactly once
 * (counted by id in the store's index).
 */
@ExtendWith(BrokerLogsOnFailure.class)
class OutcomeUnknownTest {
  @TempDir static Path tmp;
  static BrokerProcess node;
  static SluiceClient client;
  static RawGrpc raw;

  @BeforeAll
  static void start() {
    node = BrokerProcess.start(tmp.resolve("data"),
        "-Dsluice.gateway.ask-timeout=5ms", "-Dsluice.persistence.journal.flush-mode=sync");
    client = node.newClient();
    raw = new RawGrpc(node.grpcPort());
  }

  @AfterAll
  static void stop() throws Exception {
    Closer.closeAll(raw, client, node);
  }

  @Test
  void everyUnknownOutcomeResentUnderItsIdIsStoredExactlyOnce() {
    // the registry, too, answers later than 5 ms: the create may be reported busy and still happen
    Await.until("topic 'slow' exists", Duration.ofSeconds(60), () -> {
      try {
        client.admin().createTopic("slow", 4, MessageType.NORMAL);
      } catch (SluiceException busyOrExists) {
        // looked at below
      }
      return client.admin().listTopics().stream().anyMatch(t -> t.name().equals("slow"));
    });

    ByteString body = ByteString.copyFrom(new byte[32 * 1024]);
    List<List<Message>> requests = new ArrayList<>();
    for (int r = 0; r < 8; r++) {
      List<Message> request = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        request.add(Message.newBuilder().setTopic("slow").setMessageId("slow-" + r + "-" + i).setBody(body).build());
      }
      requests.add(request);
    }

    Map<String, Integer> outcomes = new HashMap<>();
    Map<String, SendReceipt> stored = new HashMap<>();
    List<Message> pending = new ArrayList<>();
    requests.forEach(pending::addAll);
    // first round: all requests at once; then the unknown ones again, under the same ids
    List<List<Message>> round = requests;
    for (int attempt = 0; attempt < 50 && !pending.isEmpty(); attempt++) {
      List<CompletableFuture<SendResponse>> calls = new ArrayList<>();
      for (List<Message> request : round) {
        calls.add(raw.messaging.send(SendRequest.newBuilder().addAllMessages(request).build()).toCompletableFuture());
      }
      List<Message> unknown = new ArrayList<>();
      for (int c = 0; c < calls.size(); c++) {
        SendResponse response = RawGrpc.await(calls.get(c));
        for (int i = 0; i < round.get(c).size(); i++) {
          SendReceipt receipt = response.getReceipts(i);
          outcomes.merge(receipt.getStatus().getReason().name(), 1, Integer::sum);
          if (receipt.getStatus().getCode() == 0) {
            stored.put(receipt.getMessageId(), receipt);
          } else {
            assertEquals(Reason.SEND_OUTCOME_UNKNOWN, receipt.getStatus().getReason(),
                "a receipt that is not OK must say the outcome is unknown: " + receipt);
            unknown.add(round.get(c).get(i));
          }
        }
      }
      pending = unknown;
      round = unknown.isEmpty() ? List.of() : List.of(unknown);
    }
    System.out.println("OutcomeUnknownTest: receipts by reason " + outcomes);
    assertTrue(outcomes.getOrDefault("SEND_OUTCOME_UNKNOWN", 0) > 0, "the test must produce unknown outcomes: " + outcomes);
    assertEquals(400, stored.size(), "every message got an OK receipt in the end: " + outcomes);

    for (String id : stored.keySet()) {
      assertEquals(1, client.admin().queryMessagesById("slow", id).size(), id + " stored once");
    }
  }
}
