package io.sluice.bench.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One broker node in its own JVM: {@code java <opts> -Dsluice.data-dir=<dir> ... -jar
 * sluice-broker.jar}, every port 0. Its stdout and stderr go to a log file; the {@code SLUICE
 * READY grpc=<port> management=<port> cluster=<host>:<port>} line tells when clients can connect.
 * {@link #close()} sends SIGTERM (graceful shutdown), and SIGKILL if it has not exited 30 s later.
 */
final class BrokerProcess implements AutoCloseable {
  private static final Pattern READY =
      Pattern.compile("SLUICE READY grpc=(\\d+) management=(\\d+)(?: cluster=(\\S+))?");

  /**
   * The ports a ready node printed.
   *
   * @param grpcPort its gRPC port
   * @param managementPort its management HTTP port
   * @param clusterAddress its Artery address {@code host:port} (empty if it printed none)
   */
  record Ready(int grpcPort, int managementPort, String clusterAddress) {}

  private final Process process;
  private final Path log;
  private final Path gcLog;
  private final List<String> command;
  private final CompletableFuture<Ready> ready = new CompletableFuture<>();
  private final List<String> problems = new ArrayList<>();
  private final Thread shutdownHook;
  private final List<Consumer<String>> lineListeners = new CopyOnWriteArrayList<>();

  private BrokerProcess(Process process, Path log, Path gcLog, List<String> command) {
    this.process = process;
    this.log = log;
    this.gcLog = gcLog;
    this.command = command;
    this.shutdownHook = new Thread(process::destroyForcibly, "bench-broker-kill");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    Thread pump = new Thread(this::pump, "bench-broker-log");
    pump.setDaemon(true);
    pump.start();
  }

  static BrokerProcess start(Path brokerJar, String javaOpts, Path dataDir, Path runDir)
      throws IOException {
    return start(brokerJar, javaOpts, List.of(), dataDir, runDir, "broker");
  }

  /**
   * Starts a node.
   *
   * @param clusterOpts JVM options after {@code javaOpts} (broker group, seed nodes)
   * @param name base name of its log ({@code <name>.log}) and GC log ({@code <name>-gc.log}) in
   *     {@code runDir}
   */
  static BrokerProcess start(
      Path brokerJar, String javaOpts, List<String> clusterOpts, Path dataDir, Path runDir, String name)
      throws IOException {
    Path log = runDir.resolve(name + ".log");
    Path gcLog = runDir.resolve(name + "-gc.log");
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    if (!javaOpts.isBlank()) {
      command.addAll(Arrays.asList(javaOpts.trim().split("\\s+")));
    }
    command.addAll(clusterOpts);
    command.add("-Xlog:gc:file=" + gcLog + ":uptime");
    command.add("-Dsluice.data-dir=" + dataDir);
    command.add("-Dsluice.gateway.grpc.port=0");
    command.add("-Dpekko.management.http.port=0");
    command.add("-Dpekko.remote.artery.canonical.port=0");
    command.add("-jar");
    command.add(brokerJar.toString());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    return new BrokerProcess(p, log, gcLog, List.copyOf(command));
  }

  static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  List<String> command() {
    return command;
  }

  long pid() {
    return process.pid();
  }

  /** Waits for the ready line; fails if the process exits first or {@code timeout} passes. */
  Ready awaitReady(Duration timeout) throws Exception {
    try {
      return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "broker not ready within " + timeout + "; log: " + log + "\n" + tail(40), e);
    }
  }

  /** CPU time the broker process used so far (user + system), in nanoseconds; -1 if unknown. */
  long cpuNanos() {
    return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
  }

  /** Milliseconds since the broker JVM started (the time base of its GC log). */
  long uptimeMillis() {
    return process
        .toHandle()
        .info()
        .startInstant()
        .map(s -> System.currentTimeMillis() - s.toEpochMilli())
        .orElse(-1L);
  }

  Path gcLog() {
    return gcLog;
  }

  Path log() {
    return log;
  }

  /** Calls {@code listener} with every line the broker prints from now on (on the log pump's thread). */
  void onLine(Consumer<String> listener) {
    lineListeners.add(listener);
  }

  /** WARN and ERROR lines the broker logged so far (at most 50). */
  synchronized List<String> problems() {
    return List.copyOf(problems);
  }

  private void pump() {
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        out.println(line);
        for (Consumer<String> listener : lineListeners) {
          listener.accept(line);
        }
        Matcher m = READY.matcher(line);
        if (m.find()) {
          ready.complete(
              new Ready(
                  Integer.parseInt(m.group(1)),
                  Integer.parseInt(m.group(2)),
                  m.group(3) == null ? "" : m.group(3)));
          out.flush();
        } else if (line.contains(" WARN ") || line.contains(" ERROR ") || line.contains("Exception")) {
          synchronized (this) {
            if (problems.size() < 50) {
              problems.add(line);
            }
          }
        }
      }
    } catch (IOException e) {
      ready.completeExceptionally(e);
    } finally {
      ready.completeExceptionally(
          new IllegalStateException("broker exited before it was ready: " + tailQuietly()));
    }
  }

  private String tailQuietly() {
    try {
      return tail(40);
    } catch (RuntimeException e) {
      return e.toString();
    }
  }

  private String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /**
   * Stops the broker: SIGTERM, then SIGKILL after 30 s.
   *
   * @return the exit status
   */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      System.err.println("broker " + process.pid() + " still running 30 s after SIGTERM; killing it");
      process.destroyForcibly();
      process.waitFor();
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        stop();
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }
}
