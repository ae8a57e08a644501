package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.Producer;
import io.sluice.client.SluiceClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second node started on a data directory in use exits non-zero with a message naming the
 * directory and the holder, and leaves the first node serving (its log is not overwritten).
 */
@ExtendWith(BrokerLogsOnFailure.class)
class DataDirLockTest {
  @TempDir Path tmp;
  final List<BrokerProcess> nodes = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    nodes.forEach(BrokerProcess::close);
  }

  @Test
  void secondNodeOnTheSameDataDirectoryExitsAndTheFirstKeepsServing() throws Exception {
    Path data = tmp.resolve("data");
    BrokerProcess first = BrokerProcess.start(data);
    nodes.add(first);
    try (SluiceClient client = first.newClient()) {
      client.admin().createTopic("locked", 1, MessageType.NORMAL);
      try (Producer producer = client.newProducer()) {
        producer.send(message("before"));

        BrokerProcess second = BrokerProcess.launch(data);
        nodes.add(second);
        int exit = second.waitFor(BrokerProcess.READY_TIMEOUT);

        assertNotEquals(0, exit, "the second node must fail; output:\n" + second.tail(40));
        assertTrue(second.printed("Sluice node failed to start"), second.tail(40));
        assertTrue(second.printed(data.toAbsolutePath().toString()), "names the directory:\n" + second.tail(40));
        assertTrue(second.printed("pid " + first.pid()), "names the holder:\n" + second.tail(40));
        assertTrue(first.isAlive());
        assertEquals(1, producer.send(message("after")).offset());
      }
    }
  }

  private static Message message(String body) {
    return Message.builder().topic("locked").body(body.getBytes(StandardCharsets.UTF_8)).build();
  }
}
