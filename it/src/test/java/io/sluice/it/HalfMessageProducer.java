package io.sluice.it;

import io.sluice.client.Message;
import io.sluice.client.SendReceipt;
import io.sluice.client.SluiceClient;
import io.sluice.client.Transaction;
import io.sluice.client.TransactionResolution;
import io.sluice.client.TransactionalProducer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A transactional producer in a JVM of its own, for {@link TransactionTest} to SIGKILL between
 * sending half messages and deciding: {@code main(endpoint, group, topic, count)} sends one half
 * message in each of {@code count} transactions, prints {@code HALF <transactionId> <messageId>}
 * for each, then {@code SENT}, and waits to be killed. Its checker answers UNKNOWN (it never
 * decides).
 */
final class HalfMessageProducer {
  private static final String SENT = "SENT";

  private HalfMessageProducer() {}

  public static void main(String[] args) throws Exception {
    String endpoint = args[0];
    String group = args[1];
    String topic = args[2];
    int count = Integer.parseInt(args[3]);
    SluiceClient client =
        SluiceClient.builder().endpoints(endpoint).requestTimeout(Duration.ofSeconds(30)).build();
    TransactionalProducer producer =
        client.newTransactionalProducer(group, check -> TransactionResolution.UNKNOWN);
    for (int i = 0; i < count; i++) {
      Transaction tx = producer.beginTransaction();
      SendReceipt r =
          tx.send(
              Message.builder()
                  .topic(topic)
                  .body(("half-" + i).getBytes(StandardCharsets.UTF_8))
                  .build());
      System.out.println("HALF " + tx.id() + " " + r.messageId());
    }
    System.out.println(SENT);
    System.out.flush();
    new CountDownLatch(1).await();
  }

  /**
   * Runs the producer and waits until it sent everything.
   *
   * @return the process (still running) and its transactions: id to half message id, in order
   */
  static Map.Entry<Process, Map<String, String>> run(
      String endpoint, String group, String topic, int count) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(HalfMessageProducer.class.getName());
    command.add(endpoint);
    command.add(group);
    command.add(topic);
    command.add(Integer.toString(count));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    Map<String, String> halfByTransaction = new LinkedHashMap<>();
    List<String> output = new ArrayList<>();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        output.add(line);
        if (line.startsWith("HALF ")) {
          String[] parts = line.split(" ");
          halfByTransaction.put(parts[1], parts[2]);
        } else if (line.equals(SENT)) {
          drain(out);
          return Map.entry(p, halfByTransaction);
        }
      }
    } catch (IOException | RuntimeException e) {
      p.destroyForcibly();
      throw e;
    }
    p.destroyForcibly();
    throw new AssertionError("producer process ended before sending everything:\n" + String.join("\n", output));
  }

  /** Keeps reading what the process prints after SENT, so that it never blocks on a full pipe. */
  private static void drain(BufferedReader out) {
    Thread t =
        new Thread(
            () -> {
              try {
                while (out.readLine() != null) {
                  // discarded: its log lines after SENT are not part of the test
                }
              } catch (IOException killed) {
                // the process is gone: its output ends here
              }
            },
            "half-message-producer-output");
    t.setDaemon(true);
    t.start();
  }
}
