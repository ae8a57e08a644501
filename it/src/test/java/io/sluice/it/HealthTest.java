package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Management HTTP of a node: readiness and liveness once it printed READY. */
@ExtendWith(BrokerLogsOnFailure.class)
class HealthTest {
  @TempDir static Path tmp;
  static BrokerProcess node;

  @BeforeAll
  static void start() {
    node = BrokerProcess.start(tmp.resolve("data"));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyAndAliveOnceReadyIsPrinted() throws Exception {
    HttpResponse<String> ready = get(node.managementPort(), "/health/ready");
    assertEquals(200, ready.statusCode(), "/health/ready: " + ready.body());
    HttpResponse<String> alive = get(node.managementPort(), "/health/alive");
    assertEquals(200, alive.statusCode(), "/health/alive: " + alive.body());
    assertTrue(node.isAlive());
  }
}
