package io.sluice.bench.e2e;

import io.sluice.bench.DiskSettle;
import io.sluice.bench.MachineFacts;
import io.sluice.bench.Scratch;
import io.sluice.client.Message;
import io.sluice.client.MessageType;
import io.sluice.client.Producer;
import io.sluice.client.ProducerSettings;
import io.sluice.client.SluiceClient;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench/run.sh catchup}: how fast a replica starting from an empty store copies its
 * master's CommitLog. Per run: node 1 (broker group g1, replication async) starts alone and is
 * filled through client-java (pipelined producers, 1 KiB bodies, topic of 8 queues, all in g1)
 * until its log holds {@code --mib} MiB; the producers stop; node 2 (group g2, a replica of g1, empty
 * data directory) starts and joins. Node 1 is started as g1's only replica ({@code
 * sluice.controller.groups.g1 = [g1]}), so the controller elects it alone; node 2 names both (a
 * cold start would otherwise wait for node 2's report before node 1 takes writes). From node 2's launch on, the master's {@code GET
 * /cluster/replication} is polled every 50 ms until the replica's confirmed position reaches the
 * master's log end; the rate is the master's log bytes over the time from the first confirmed
 * byte (and, second figure, from the launch, JVM start and cluster join included) to that moment.
 */
public final class CatchUpBenchmark {
  public static final String USAGE = String.join("\n",
      "usage: bench/run.sh catchup [--mib N] [--runs N] [--producers N] [--broker-java-opts \"...\"] [--dir PATH]",
      "  defaults: 256 MiB, 3 runs, 4 producers, broker JVM " + E2eOptions.DEFAULT_BROKER_JAVA_OPTS);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(10);
  private static final Pattern LOG_END = Pattern.compile("\"logEnd\"\\s*:\\s*(\\d+)");
  private static final Pattern REPLICA = Pattern.compile(
      "\"replicaId\"\\s*:\\s*\"g2\"\\s*,\\s*\"confirmedPosition\"\\s*:\\s*(\\d+)");
  private static final Pattern UP = Pattern.compile("\"status\"\\s*:\\s*\"Up\"");

  private final PrintStream out;
  private final Path brokerJar;
  private final String javaOpts;
  private final Path dir;
  private final long targetBytes;
  private final int runs;
  private final int producers;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private CatchUpBenchmark(PrintStream out, Path brokerJar, String javaOpts, Path dir, long targetBytes, int runs,
      int producers) {
    this.out = out;
    this.brokerJar = brokerJar;
    this.javaOpts = javaOpts;
    this.dir = dir;
    this.targetBytes = targetBytes;
    this.runs = runs;
    this.producers = producers;
  }

  public static void main(List<String> args, PrintStream out) throws Exception {
    Path jar = null;
    String javaOpts = E2eOptions.DEFAULT_BROKER_JAVA_OPTS;
    Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    long mib = 256;
    int runs = 3;
    int producers = 4;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (i + 1 >= args.size()) {
        throw new IllegalArgumentException(a + " needs a value\n" + USAGE);
      }
      String v = args.get(++i);
      switch (a) {
        case "--broker-jar" -> jar = Path.of(v);
        case "--broker-java-opts" -> javaOpts = v;
        case "--dir" -> dir = Path.of(v);
        case "--mib" -> mib = Long.parseLong(v);
        case "--runs" -> runs = Integer.parseInt(v);
        case "--producers" -> producers = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
      }
    }
    if (jar == null || mib < 1 || runs < 1 || producers < 1) {
      throw new IllegalArgumentException("--broker-jar is required (run.sh passes it); counts positive\n" + USAGE);
    }
    new CatchUpBenchmark(out, jar, javaOpts, dir, mib << 20, runs, producers).run();
  }

  private void run() throws Exception {
    long started = System.nanoTime();
    List<double[]> results = new ArrayList<>();
    try (Scratch scratch = new Scratch(dir)) {
      MachineFacts.print(out, scratch.root());
      out.printf(Locale.ROOT, "settings:   master g1 (async) filled to %d MiB with 1 KiB bodies by %d pipelined"
          + " producers; then a replica (g2, empty) joins; %d run(s); broker JVM %s%n%n",
          targetBytes >> 20, producers, runs, javaOpts);
      for (int run = 1; run <= runs; run++) {
        Path runDir = scratch.newRunDir("catchup");
        DiskSettle.syncFilesystem(runDir);
        try {
          double[] r = runOnce(run, runDir);
          results.add(r);
          out.printf(Locale.ROOT, "run %d/%d  master log %,d bytes; replica READY %d ms after launch; caught up"
              + " %,d ms after launch (%.1f MB/s), %,d ms after its first confirmed byte (%.1f MB/s)%n",
              run, runs, (long) r[0], (long) r[1], (long) r[2], r[0] / r[2] / 1e3, (long) r[3], r[0] / r[3] / 1e3);
        } catch (Exception e) {
          out.printf(Locale.ROOT, "run %d/%d  FAILED: %s%n", run, runs, e);
          e.printStackTrace();
        } finally {
          Scratch.delete(runDir);
        }
      }
    }
    if (!results.isEmpty()) {
      out.printf(Locale.ROOT, "%nCATCH-UP (median of %d run(s); MB = 10^6 bytes of CommitLog)%n", results.size());
      out.printf(Locale.ROOT, "from launch (JVM start and cluster join included): %.1f MB/s (runs %s); from the first"
          + " confirmed byte: %.1f MB/s (runs %s)%n",
          median(results, 2), rates(results, 2), median(results, 3), rates(results, 3));
    }
    out.printf(Locale.ROOT, "%ntotal time %.0f s%n", (System.nanoTime() - started) / 1e9);
  }

  /** @return {master log bytes, replica READY ms after launch, ms from launch, ms from first confirmed byte} */
  private double[] runOnce(int run, Path runDir) throws Exception {
    BrokerProcess master = BrokerProcess.start(brokerJar, javaOpts,
        List.of("-Dsluice.cluster.broker-group=g1", "-Dsluice.cluster.replication.mode=async",
            "-Dsluice.controller.groups.g1.0=g1"),
        Files.createDirectories(runDir.resolve("data-n1")), runDir, "broker-n1");
    BrokerProcess replica = null;
    try {
      BrokerProcess.Ready m = master.awaitReady(READY_TIMEOUT);
      long end = fill(m);
      long launched = System.nanoTime();
      replica = BrokerProcess.start(brokerJar, javaOpts,
          List.of("-Dsluice.cluster.broker-group=g2", "-Dsluice.cluster.replication.mode=async",
              "-Dsluice.controller.groups.g1.0=g1", "-Dsluice.controller.groups.g1.1=g2",
              "-Dpekko.cluster.seed-nodes.0=pekko://sluice@" + m.clusterAddress()),
          Files.createDirectories(runDir.resolve("data-n2")), runDir, "broker-n2");
      // the replica may start fetching before it prints READY: poll the master from the launch on
      BrokerProcess starting = replica;
      CompletableFuture<Long> ready = CompletableFuture.supplyAsync(() -> {
        try {
          starting.awaitReady(READY_TIMEOUT);
          return System.nanoTime();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      long first = -1;
      long deadline = launched + CATCH_UP_TIMEOUT.toNanos();
      while (true) {
        String body = get(m, "/cluster/replication");
        Matcher r = REPLICA.matcher(body);
        long confirmed = r.find() ? Long.parseLong(r.group(1)) : -1;
        long now = System.nanoTime();
        if (confirmed > 0 && first < 0) {
          first = now;
        }
        if (confirmed >= end) {
          if (run == 1) {
            out.println("replica cmd: " + String.join(" ", replica.command()));
          }
          long readyAt = ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          return new double[] {end, (readyAt - launched) / 1e6, (now - launched) / 1e6, (now - first) / 1e6};
        }
        if (now > deadline) {
          throw new IllegalStateException("the replica did not catch up within " + CATCH_UP_TIMEOUT + ": " + body);
        }
        Thread.sleep(50);
      }
    } finally {
      if (replica != null) {
        replica.stop();
      }
      master.stop();
    }
  }

  /** Fills the master's log to the target size; returns its end once the producers stopped. */
  private long fill(BrokerProcess.Ready m) throws Exception {
    String endpoint = "127.0.0.1:" + m.grpcPort();
    List<SluiceClient> clients = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    AtomicBoolean filling = new AtomicBoolean(true);
    try {
      for (int i = 0; i < producers; i++) {
        clients.add(SluiceClient.builder().endpoints(endpoint).requestTimeout(Duration.ofSeconds(30)).build());
      }
      awaitUp(m);
      clients.get(0).admin().createTopic("bench", 8, MessageType.NORMAL);
      for (SluiceClient c : clients) {
        Producer p = c.newProducer(ProducerSettings.builder().maxBlock(Duration.ofSeconds(60)).build());
        Thread t = new Thread(() -> {
          byte[] body = new byte[1024];
          while (filling.get()) {
            ThreadLocalRandom.current().nextBytes(body);
            p.sendAsync(Message.builder().topic("bench").body(body.clone()).build());
          }
          p.flush();
          p.close();
        }, "catchup-fill");
        threads.add(t);
        t.start();
      }
      while (logEnd(m) < targetBytes) {
        Thread.sleep(100);
      }
    } finally {
      filling.set(false);
      for (Thread t : threads) {
        t.join(120_000);
      }
      for (SluiceClient c : clients) {
        c.close();
      }
    }
    // the producers' last receipts are in; let the log settle (consumer-less topic: nothing else writes)
    long end = logEnd(m);
    Thread.sleep(500);
    return Math.max(end, logEnd(m));
  }

  private void awaitUp(BrokerProcess.Ready m) throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (!UP.matcher(get(m, "/cluster/members")).find()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node 1 not Up within " + READY_TIMEOUT);
      }
      Thread.sleep(200);
    }
  }

  private long logEnd(BrokerProcess.Ready m) throws InterruptedException {
    Matcher e = LOG_END.matcher(get(m, "/cluster/replication"));
    return e.find() ? Long.parseLong(e.group(1)) : 0;
  }

  private String get(BrokerProcess.Ready m, String path) throws InterruptedException {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + m.managementPort() + path)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static double median(List<double[]> results, int column) {
    double[] v = results.stream().mapToDouble(r -> r[0] / r[column] / 1e3).sorted().toArray();
    return v[v.length / 2];
  }

  private static String rates(List<double[]> results, int column) {
    return String.join(" / ", results.stream()
        .map(r -> String.format(Locale.ROOT, "%.1f", r[0] / r[column] / 1e3)).toList());
  }
}
