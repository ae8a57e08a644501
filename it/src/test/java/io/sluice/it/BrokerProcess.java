package io.sluice.it;

import io.sluice.client.SluiceClient;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One Sluice node ({@code io.sluice.gateway.Main}) in its own JVM on 127.0.0.1 (or where a {@link
 * Placement} puts it) with free ports and its data in a given directory. Its stdout and stderr go
 * to a log file next to the data directory (kept in memory too, for the tail shown when something
 * fails); {@link #start} returns once the node printed {@code SLUICE READY grpc=<port> management=<port> cluster=<host>:<port>}.
 *
 * <p>Every process started here is killed by {@link #close()} and, as a last resort, by a JVM
 * shutdown hook of the test JVM.
 */
public final class BrokerProcess implements AutoCloseable {
  /**
   * Where a node runs: a command prefix that starts its JVM somewhere else (e.g. {@code ip netns
   * exec <namespace>}, which execs the JVM: the process started is the node's own) and the host
   * address it binds gRPC, management HTTP and Artery on (and clients reach it at).
   *
   * @param commandPrefix words before {@code java ...}; empty for a plain child process
   * @param host an address of the node's network, e.g. {@code 127.0.0.1}
   */
  public record Placement(List<String> commandPrefix, String host) {
    /** A plain child process on 127.0.0.1, as every test before the partition suite runs its nodes. */
    public static final Placement LOOPBACK = new Placement(List.of(), "127.0.0.1");

    public Placement {
      commandPrefix = List.copyOf(commandPrefix);
    }
  }

  /**
   * How long a node may take to print its READY line (2 cores shared with other builds): 60 s, or
   * {@code -Dsluice.it.ready-timeout-seconds} (the partition profile starts 5 nodes at once).
   */
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(Long.getLong("sluice.it.ready-timeout-seconds", 60));

  private static final Pattern READY =
      Pattern.compile("^SLUICE READY grpc=(\\d+) management=(\\d+)(?: cluster=(\\S+))?$");
  private static final int TAIL_LINES = 200;
  private static final int HEAD_LINES = 60;
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  /** Started and not yet closed. */
  private static final Set<BrokerProcess> OPEN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> OPEN.forEach(p -> p.process.destroyForcibly()), "kill-brokers"));
  }

  private final String name;
  private final Placement placement;
  private final Process process;
  private final Path logFile;
  private final ArrayDeque<String> tail = new ArrayDeque<>();
  private final List<String> head = new ArrayList<>();
  private final CompletableFuture<int[]> ready = new CompletableFuture<>();
  /** The node's own cluster address ({@code host:port}) from its READY line, once ready. */
  private volatile String clusterAddress;
  private final Thread drainer;

  private BrokerProcess(String name, Placement placement, Process process, Path logFile) {
    this.name = name;
    this.placement = placement;
    this.process = process;
    this.logFile = logFile;
    this.drainer = new Thread(this::drain, name + "-output");
    this.drainer.setDaemon(true);
    this.drainer.start();
    process
        .onExit()
        .thenRun(
            () -> {
              // the drainer may still be reading the last lines; give it a moment
              try {
                drainer.join(2_000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              ready.completeExceptionally(
                  new IllegalStateException(
                      name + " exited with code " + process.exitValue() + " before it was ready"));
            });
  }

  /**
   * Starts a node with its data in {@code dataDir} and waits until it is ready.
   *
   * @param dataDir the node's {@code sluice.data-dir}; created if missing; reuse it to restart
   * @param jvmArgs extra JVM options ({@code -Xmx...}, {@code -Dkey=value}); a default {@code
   *     -Xmx512m} applies unless one is given, and gRPC port 0 unless {@code
   *     -Dsluice.gateway.grpc.port=} is (a restart on the port a killed node had bound, so that
   *     its clients reconnect)
   * @return the ready node
   */
  public static BrokerProcess start(Path dataDir, String... jvmArgs) {
    return start(Placement.LOOPBACK, dataDir, jvmArgs);
  }

  /** Starts a node like {@link #start(Path, String...)}, placed by {@code placement}. */
  public static BrokerProcess start(Placement placement, Path dataDir, String... jvmArgs) {
    BrokerProcess broker = launch(placement, dataDir, jvmArgs);
    try {
      broker.ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      String why =
          e instanceof TimeoutException
              ? "did not print its READY line within " + READY_TIMEOUT
              : String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e);
      broker.close();
      throw new AssertionError(
          broker.name + " (data " + dataDir + ") " + why + "; first output:\n" + broker.head() + "\n...\nlast output:\n"
              + broker.tail(40), e);
    }
    return broker;
  }

  /**
   * Starts a node like {@link #start} without waiting for it to be ready: for nodes expected to
   * refuse to start ({@link #waitFor} gives the exit code).
   */
  public static BrokerProcess launch(Path dataDir, String... jvmArgs) {
    return launch(Placement.LOOPBACK, dataDir, jvmArgs);
  }

  private static BrokerProcess launch(Placement placement, Path dataDir, String... jvmArgs) {
    return launch(placement, dataDir, startupOptions(), jvmArgs);
  }

  private static BrokerProcess launch(Placement placement, Path dataDir, List<String> startupOptions,
      String... jvmArgs) {
    String name = "node-" + SEQUENCE.incrementAndGet();
    Path logFile = dataDir.toAbsolutePath().resolveSibling(dataDir.getFileName() + "-" + name + ".log");
    List<String> command = new ArrayList<>(placement.commandPrefix());
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(nodeClasspath());
    command.addAll(startupOptions);
    if (Arrays.stream(jvmArgs).noneMatch(a -> a.startsWith("-Xmx"))) {
      command.add("-Xmx512m");
    }
    command.addAll(Arrays.asList(jvmArgs));
    command.add("-Dsluice.data-dir=" + dataDir.toAbsolutePath());
    if (Arrays.stream(jvmArgs).noneMatch(a -> a.startsWith("-Dsluice.gateway.grpc.port="))) {
      command.add("-Dsluice.gateway.grpc.port=0");
    }
    command.add("-Dpekko.management.http.port=0");
    command.add("-Dpekko.remote.artery.canonical.port=0");
    command.add("-Dsluice.gateway.grpc.interface=" + placement.host());
    command.add("-Dpekko.management.http.hostname=" + placement.host());
    command.add("-Dpekko.remote.artery.canonical.hostname=" + placement.host());
    command.add("io.sluice.gateway.Main");
    BrokerProcess broker;
    try {
      Files.createDirectories(dataDir);
      Process p =
          new ProcessBuilder(command)
              .directory(dataDir.toFile())
              .redirectErrorStream(true)
              .start();
      broker = new BrokerProcess(name, placement, p, logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
    OPEN.add(broker);
    return broker;
  }

  /**
   * The classpath for nodes: the test JVM's (surefire runs without a manifest-only jar), minus this
   * module's own output directories so that the node uses the gateway's logging configuration.
   *
   * <p>Sluice's own entries (snapshot jars in the local repository, module output directories)
   * are copied once per test run into a private temporary directory, which the nodes use: other
   * builds on the machine may reinstall those jars at any moment, and a node started while they
   * do would load a mix of versions (or a half-written jar) and die. Every node of a run, before
   * and after a restart, runs the same code.
   */
  static synchronized String nodeClasspath() {
    if (nodeClasspath == null) {
      nodeClasspath = snapshotClasspath();
    }
    return nodeClasspath;
  }

  private static String nodeClasspath;

  /**
   * JVM options that make a node cost less CPU and change nothing it does: the suite starts about
   * a hundred short-lived nodes on 2 shared cores. A node spent most of its ~7 s of CPU to READY
   * loading Pekko's and Scala's classes and compiling them with C2. Its classes come from a CDS
   * archive dumped once per test JVM by a first node that starts and stops (without an archive,
   * the dump failed, nodes load them as before), and only the C1 compiler runs (a node lives
   * seconds to minutes: C2's compile time is never paid back; measured per test method, every
   * load test of it/ ran as fast or faster).
   */
  static synchronized List<String> startupOptions() {
    if (startupOptions == null) {
      Path archive = dumpClassArchive();
      startupOptions = archive == null ? List.of(C1_ONLY) : List.of(C1_ONLY, "-XX:SharedArchiveFile=" + archive);
    }
    return startupOptions;
  }

  private static final String C1_ONLY = "-XX:TieredStopAtLevel=1";
  private static List<String> startupOptions;

  /**
   * Starts a node with {@code -XX:ArchiveClassesAtExit}, stops it once ready (the JVM writes the
   * classes it loaded at exit) and returns the archive, or null if there is none.
   */
  private static Path dumpClassArchive() {
    try {
      Path dir = Files.createTempDirectory("sluice-it-cds-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "delete-class-archive"));
      Path archive = dir.resolve("node.jsa");
      BrokerProcess trainer = launch(Placement.LOOPBACK, dir.resolve("data"), List.of(C1_ONLY),
          "-XX:ArchiveClassesAtExit=" + archive);
      try {
        trainer.ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        trainer.sigterm();
        trainer.waitFor(READY_TIMEOUT);
      } catch (InterruptedException | ExecutionException | TimeoutException | AssertionError e) {
        System.out.println("[it] no class archive for the nodes (" + e + "); they start without one");
        return null;
      } finally {
        trainer.close();
      }
      return Files.isRegularFile(archive) ? archive : null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot dump the nodes' class archive", e);
    }
  }

  private static String snapshotClasspath() {
    String cp = System.getProperty("java.class.path");
    Path itTarget = Paths.get("target").toAbsolutePath();
    List<String> entries =
        Arrays.stream(cp.split(File.pathSeparator))
            .filter(e -> !e.isEmpty())
            .filter(e -> !Paths.get(e).toAbsolutePath().startsWith(itTarget))
            .collect(Collectors.toList());
    boolean hasGateway =
        entries.stream()
            .anyMatch(
                e ->
                    e.contains("sluice-gateway")
                        || e.contains("sluice-broker")
                        || e.replace('\\', '/').endsWith("gateway/target/classes"));
    boolean hasPekko = entries.stream().anyMatch(e -> e.contains("pekko-cluster-sharding-typed"));
    if (!hasGateway || !hasPekko) {
      throw new IllegalStateException(
          "the test classpath lacks the gateway or Pekko (run through Maven surefire with"
              + " useManifestOnlyJar=false): "
              + cp);
    }
    try {
      Path copies = Files.createTempDirectory("sluice-it-classpath-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(copies), "delete-classpath-copy"));
      List<String> out = new ArrayList<>();
      for (int i = 0; i < entries.size(); i++) {
        Path entry = Paths.get(entries.get(i));
        String fileName = entry.getFileName().toString();
        if (Files.isDirectory(entry)) {
          Path target = copies.resolve(i + "-" + fileName);
          copyTree(entry, target);
          out.add(target.toString());
        } else if (fileName.contains("-SNAPSHOT") || fileName.startsWith("sluice-")) {
          Path target = copies.resolve(i + "-" + fileName);
          Files.copy(entry, target);
          out.add(target.toString());
        } else {
          out.add(entry.toString());
        }
      }
      return String.join(File.pathSeparator, out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the node classpath", e);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort, it is a temporary directory
    }
  }

  private void drain() {
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        BufferedWriter log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        log.write(line);
        log.newLine();
        log.flush();
        synchronized (tail) {
          if (head.size() < HEAD_LINES) {
            head.add(line);
          }
          tail.addLast(line);
          if (tail.size() > TAIL_LINES) {
            tail.removeFirst();
          }
        }
        Matcher m = READY.matcher(line);
        if (m.matches()) {
          clusterAddress = m.group(3);
          ready.complete(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
        }
      }
    } catch (IOException e) {
      synchronized (tail) {
        tail.addLast("[it] reading the node's output failed: " + e);
      }
    }
  }

  /** A name for logs and messages ({@code node-<n>}). */
  public String name() {
    return name;
  }

  /** The operating-system process id. */
  public long pid() {
    return process.pid();
  }

  /** The address the node binds its ports on (127.0.0.1 unless placed elsewhere). */
  public String host() {
    return placement.host();
  }

  /** The gRPC port on {@link #host()}. */
  public int grpcPort() {
    return ready.join()[0];
  }

  /** The management HTTP port on {@link #host()}. */
  public int managementPort() {
    return ready.join()[1];
  }

  /**
   * The node's own cluster (Artery) address as its READY line printed it.
   *
   * @return {@code host:port}, e.g. for another node's {@code pekko.cluster.seed-nodes}
   * @throws IllegalStateException if the node's READY line had no {@code cluster=} field
   */
  public String clusterAddress() {
    ready.join();
    if (clusterAddress == null) {
      throw new IllegalStateException(name + " printed no cluster address in its READY line");
    }
    return clusterAddress;
  }

  /** A client of this node with generous request deadlines (the machine may be shared with other builds). */
  public SluiceClient newClient() {
    return SluiceClient.builder().endpoints(endpoint()).requestTimeout(Duration.ofSeconds(30)).build();
  }

  /** {@code <host>:<grpc port>}, for {@code SluiceClient.builder().endpoints(...)}. */
  public String endpoint() {
    return host() + ":" + grpcPort();
  }

  /** The file the node's output goes to. */
  public Path logFile() {
    return logFile;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Asks for graceful shutdown (SIGTERM on Linux); does not wait. */
  public void sigterm() {
    process.destroy();
  }

  /** Sends signal {@code name} (e.g. {@code STOP}, {@code CONT}) to the node's process with {@code kill}. */
  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).redirectErrorStream(true).start();
      String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + pid() + " failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Kills the node at once (SIGKILL on Linux) and waits until it is gone. */
  public void sigkill() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(30));
  }

  /** Freezes the node (SIGSTOP): a zombie master or a long GC pause; {@link #sigcont()} resumes it. */
  public void sigstop() {
    signal("STOP");
  }

  /** Resumes a node frozen by {@link #sigstop()} (SIGCONT). */
  public void sigcont() {
    signal("CONT");
  }

  /**
   * Waits until the process exits.
   *
   * @return its exit code
   * @throws AssertionError if it is still running after {@code timeout}
   */
  public int waitFor(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(
            name + " still running " + timeout + " later; last output:\n" + tail(40));
      }
      drainer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + name, e);
    }
    return process.exitValue();
  }

  /** The last {@code lines} lines the node printed. */
  public String tail(int lines) {
    synchronized (tail) {
      List<String> all = new ArrayList<>(tail);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
  }

  /** The first lines the node printed. */
  public String head() {
    synchronized (tail) {
      return String.join("\n", head);
    }
  }

  /** Whether the node printed a line containing {@code text} (within the kept tail). */
  public boolean printed(String text) {
    synchronized (tail) {
      return tail.stream().anyMatch(l -> l.contains(text));
    }
  }

  /**
   * The node's used heap as {@code jcmd <pid> GC.heap_info} reports it (the whole heap's "used"
   * figure of its first line, which every collector prints as "total ..K, used ..K").
   *
   * @return used heap in bytes
   */
  public long heapUsedBytes() {
    String info = heapInfo();
    Matcher m = Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("cannot read the used heap from jcmd GC.heap_info:\n" + info);
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  /** The output of {@code jcmd <pid> GC.heap_info}. */
  public String heapInfo() {
    return jcmd("GC.heap_info");
  }

  /** Runs {@code jcmd <pid> <command...>} against the node and returns its output. */
  public String jcmd(String... command) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString());
    cmd.add(Long.toString(pid()));
    cmd.addAll(Arrays.asList(command));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Kills the process if it still runs (SIGKILL) and waits for it. Idempotent. */
  @Override
  public void close() {
    OPEN.remove(this);
    if (process.isAlive()) {
      process.destroyForcibly();
    }
    try {
      process.waitFor(30, TimeUnit.SECONDS);
      drainer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Nodes started and not yet closed (for printing their output when a test fails). */
  static List<BrokerProcess> open() {
    return new ArrayList<>(OPEN);
  }

  @Override
  public String toString() {
    return name + "[pid " + process.pid() + (ready.isDone() && !ready.isCompletedExceptionally()
        ? ", grpc " + ready.join()[0] : "") + "]";
  }
}
