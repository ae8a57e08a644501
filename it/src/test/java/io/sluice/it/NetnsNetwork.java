package io.sluice.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A private network of Linux network namespaces for the partition suite (namespace mode of
 * shared/CLUSTER.md section 6): a hub namespace holding a bridge, one namespace per node joined to
 * the bridge by a veth pair (node i is {@code 10.213.47.<i>}), and the test JVM's own veth into the
 * bridge ({@code 10.213.47.254}, a connected route in the root namespace that {@code ip route get}
 * must confirm before anything addresses the range). Faults are nftables rules in the hub's
 * bridge family, on the bridge ports: the nodes' processes and the kernel stacks never notice
 * anything but lost frames.
 *
 * <p>The root namespace's default route leaves the machine, so the range must never take it: an
 * {@code unreachable 10.213.0.0/16} route guards the range while the network exists (the connected
 * /24 wins over it; if the veth vanished, packets would fail locally instead of going out).
 *
 * <p>Every name starts with {@code sluice-it-} (namespaces) or {@code slit-} (links): a run removes
 * what a killed earlier run left behind. A file lock keeps two runs on one machine apart.
 * {@link #close()} deletes the namespaces, which takes their veths and the rules with them.
 */
final class NetnsNetwork implements AutoCloseable {
  static final String SUBNET = "10.213.47.0/24";
  static final String HOST_ADDRESS = "10.213.47.254";
  /** Port number of the test JVM's own bridge port in {@link #cut} and friends. */
  static final int CLIENT = 0;

  private static final String NS_PREFIX = "sluice-it-";
  private static final String HUB = NS_PREFIX + "hub";
  private static final String HOST_LINK = "slit-host";
  private static final String GUARD_ROUTE = "10.213.0.0/16";
  private static final String TABLE = "sluice_it";
  private static final String CHAIN = "faults";
  private static final Path LOCK_FILE = Path.of("/run/sluice-it-netns.lock");

  private final int size;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Thread cleanupHook = new Thread(this::deleteAll, "delete-netns");
  private boolean closed;

  private NetnsNetwork(int size, FileChannel lockChannel, FileLock lock) {
    this.size = size;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Builds the network for {@code size} nodes, or skips the calling test (a JUnit assumption) when
   * this machine cannot: not root, no {@code nft}, namespaces not permitted, the range in use, or
   * another run holding the network.
   */
  static NetnsNetwork create(int size) {
    skipUnless(size >= 1 && size < 250, "skipped: node count " + size + " does not fit " + SUBNET);
    assumeUsable();
    FileChannel channel;
    FileLock lock;
    try {
      channel = FileChannel.open(LOCK_FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      lock = channel.tryLock();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + LOCK_FILE, e);
    }
    if (lock == null) {
      close(channel);
    }
    skipUnless(lock != null, "skipped: another partition-suite run holds " + LOCK_FILE + " (its network uses the same names)");
    NetnsNetwork network = new NetnsNetwork(size, channel, lock);
    network.deleteAll(); // what a killed earlier run left behind
    skipUnless(rangeIsFree(), "skipped: " + SUBNET + " is already routed or addressed on this machine: "
        + run("ip", "route", "show", "to", "match", nodeAddress(1)).trim());
    Runtime.getRuntime().addShutdownHook(network.cleanupHook);
    try {
      network.build();
    } catch (RuntimeException | Error e) {
      network.close();
      throw e;
    }
    return network;
  }

  /** Skips the calling test, saying why, unless this JVM runs as root and may make namespaces with nftables. */
  static void assumeUsable() {
    String uid = tryRun("id", "-u");
    skipUnless(uid != null && uid.trim().equals("0"), "skipped: the partition suite needs root (uid "
        + (uid == null ? "unknown" : uid.trim()) + "): it creates network namespaces and nftables rules");
    skipUnless(tryRun("nft", "--version") != null,
        "skipped: nft (nftables) is not installed: run it/partitions.sh, which installs it with apt-get");
    String probe = NS_PREFIX + "probe";
    tryRun("ip", "netns", "del", probe);
    String made = tryRun("ip", "netns", "add", probe);
    tryRun("ip", "netns", "del", probe);
    skipUnless(made != null, "skipped: cannot create a network namespace (`ip netns add` failed: no iproute2,"
        + " or not permitted in this container)");
  }

  /** A JUnit assumption whose reason is also printed, so that a console run shows why the suite skipped. */
  private static void skipUnless(boolean condition, String why) {
    if (!condition) {
      System.out.println("[it] partition suite " + why);
    }
    Assumptions.assumeTrue(condition, why);
  }

  private static boolean rangeIsFree() {
    String addresses = run("ip", "-o", "addr", "show", "to", SUBNET);
    String routes = run("ip", "route", "show", "to", "match", nodeAddress(1));
    return addresses.isBlank() && routes.lines().allMatch(l -> l.startsWith("default "));
  }

  private void build() {
    run("ip", "netns", "add", HUB);
    hub("ip", "link", "set", "lo", "up");
    hub("ip", "link", "add", "br0", "type", "bridge");
    hub("ip", "link", "set", "br0", "up");
    for (int i = 1; i <= size; i++) {
      String ns = namespace(i);
      run("ip", "netns", "add", ns);
      run("ip", "link", "add", port(i), "netns", HUB, "type", "veth", "peer", "name", "eth0", "netns", ns);
      hub("ip", "link", "set", port(i), "master", "br0", "up");
      run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
      run("ip", "netns", "exec", ns, "ip", "addr", "add", nodeAddress(i) + "/24", "dev", "eth0");
      run("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
    }
    // the test JVM's way in: a veth from the root namespace into the bridge
    run("ip", "link", "add", HOST_LINK, "type", "veth", "peer", "name", port(CLIENT), "netns", HUB);
    hub("ip", "link", "set", port(CLIENT), "master", "br0", "up");
    run("ip", "addr", "add", HOST_ADDRESS + "/24", "dev", HOST_LINK);
    run("ip", "link", "set", HOST_LINK, "up");
    run("ip", "route", "add", "unreachable", GUARD_ROUTE);
    for (int i = 1; i <= size; i++) {
      String route = run("ip", "route", "get", nodeAddress(i));
      if (!route.contains(" dev " + HOST_LINK + " ") || route.contains(" via ")) {
        throw new IllegalStateException("the root namespace would not reach " + nodeAddress(i)
            + " through " + HOST_LINK + " on a connected route: " + route);
      }
    }
    hub("nft", "add", "table", "bridge", TABLE);
    hub("nft", "add", "chain", "bridge", TABLE, CHAIN,
        "{ type filter hook forward priority 0 ; policy accept ; }");
  }

  /** Node {@code i}'s address ({@code 10.213.47.<i>}). */
  static String nodeAddress(int i) {
    return "10.213.47." + i;
  }

  /** Node {@code i}'s namespace. */
  static String namespace(int i) {
    return NS_PREFIX + "n" + i;
  }

  /** Node {@code i}'s bridge port in the hub ({@link #CLIENT}: the test JVM's). */
  static String port(int i) {
    return i == CLIENT ? "slit-pc" : "slit-p" + i;
  }

  /**
   * Where node {@code i} runs: inside its namespace, bound on its address. Its ports may stay 0:
   * the cluster harness takes every address from the nodes' READY lines (a namespace has a port
   * space of its own, so fixed ports would be safe here too).
   */
  BrokerProcess.Placement placement(int i) {
    return new BrokerProcess.Placement(List.of("ip", "netns", "exec", namespace(i)), nodeAddress(i));
  }

  /** Cuts node {@code i} off (both directions, from the other nodes and from the test JVM). */
  void isolate(int i) {
    drop("iifname", port(i));
    drop("oifname", port(i));
  }

  /**
   * IPv4 packets from {@code from} to {@code to} are dropped (ports: node numbers or {@link
   * #CLIENT}). ARP still passes: dropping {@code to}'s ARP replies would make {@code from} lose
   * {@code to}'s address once its neighbour entry expires, and a one-way cut would turn into a
   * full one after some seconds.
   */
  void cut(int from, int to) {
    drop("iifname", port(from), "oifname", port(to), "ether", "type", "ip");
  }

  /** No frame crosses between a port of {@code a} and a port of {@code b}, either way. */
  void split(Set<Integer> a, Set<Integer> b) {
    for (int x : a) {
      for (int y : b) {
        cut(x, y);
        cut(y, x);
      }
    }
  }

  /** {@code a} can send to {@code b}, {@code b} cannot send to {@code a}. */
  void oneWay(int a, int b) {
    cut(b, a);
  }

  /** Removes every fault. */
  void heal() {
    hub("nft", "flush", "chain", "bridge", TABLE, CHAIN);
  }

  /** The fault rules now in force, as {@code nft} lists them. */
  String rules() {
    return hub("nft", "list", "chain", "bridge", TABLE, CHAIN);
  }

  private void drop(String... match) {
    List<String> cmd = new ArrayList<>(List.of("nft", "add", "rule", "bridge", TABLE, CHAIN));
    cmd.addAll(Arrays.asList(match));
    cmd.add("drop");
    hub(cmd.toArray(new String[0]));
  }

  private static String hub(String... cmd) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", HUB));
    all.addAll(Arrays.asList(cmd));
    return run(all.toArray(new String[0]));
  }

  /**
   * Deletes every namespace, link and route of this suite (also a killed run's): processes still in
   * a node namespace are killed first, or the namespace would outlive its name.
   */
  private void deleteAll() {
    String list = tryRun("ip", "netns", "list");
    if (list != null) {
      for (String line : list.lines().toList()) {
        String ns = line.split(" ")[0];
        if (ns.startsWith(NS_PREFIX)) {
          String pids = tryRun("ip", "netns", "pids", ns);
          if (pids != null) {
            pids.lines().filter(p -> !p.isBlank()).forEach(p -> tryRun("kill", "-KILL", p.trim()));
          }
          tryRun("ip", "netns", "del", ns);
        }
      }
    }
    tryRun("ip", "link", "del", HOST_LINK);
    tryRun("ip", "route", "del", "unreachable", GUARD_ROUTE);
  }

  /** Deletes the network (idempotent); call after the nodes are stopped. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    deleteAll();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
    try {
      lock.release();
    } catch (IOException e) {
      // the channel's close below releases it too
    }
    close(lockChannel);
  }

  private static void close(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing left to release
    }
  }

  /** Runs a command; fails with its output unless it exits 0 within 30 s. */
  static String run(String... cmd) {
    String out = tryRun(cmd);
    if (out == null) {
      throw new IllegalStateException("failed: " + String.join(" ", cmd) + "\n" + lastFailure.get());
    }
    return out;
  }

  private static final ThreadLocal<String> lastFailure = ThreadLocal.withInitial(() -> "");

  /** Runs a command: its output, or null if it could not run or did not exit 0 within 30 s. */
  static String tryRun(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        lastFailure.set("timed out; output: " + out);
        return null;
      }
      if (p.exitValue() != 0) {
        lastFailure.set("exit " + p.exitValue() + ": " + out);
        return null;
      }
      return out;
    } catch (IOException e) {
      lastFailure.set(e.toString());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
