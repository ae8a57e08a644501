package io.sluice.it;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A {@link ClusterHarness} whose node JVMs run in network namespaces of a {@link NetnsNetwork}
 * (node i in its own namespace at {@code 10.213.47.<i>}), with network faults on top of the
 * harness's process faults: everything the loopback cluster offers ({@link #cluster()}: start,
 * restart, SIGKILL, SIGTERM, membership, clients) plus isolate, split, one-way and heal. The test
 * JVM is the client and checker, on its own bridge port ({@link NetnsNetwork#CLIENT}).
 *
 * <p>{@link #create} skips the calling test (JUnit assumption) where namespaces cannot be made.
 * {@link #close()} kills the nodes, then deletes the namespaces; call it from {@code @AfterEach}
 * so that a failed test leaves nothing behind.
 */
final class NetnsCluster implements AutoCloseable {
  /** Port number of the test JVM in {@link #split} and {@link #cut}. */
  static final int CLIENT = NetnsNetwork.CLIENT;

  private final NetnsNetwork network;
  private final ClusterHarness cluster;

  private NetnsCluster(NetnsNetwork network, ClusterHarness cluster) {
    this.network = network;
    this.cluster = cluster;
  }

  /**
   * Builds the network for {@code size} nodes and a harness placing node i in namespace i; no node
   * is started yet ({@code cluster().startAll()}).
   *
   * @param root directory under which each node's data directory lives (a JUnit {@code @TempDir})
   * @param extraJvmArgs JVM options for every node, after the harness's own
   */
  static NetnsCluster create(Path root, int size, String... extraJvmArgs) {
    NetnsNetwork network = NetnsNetwork.create(size);
    return new NetnsCluster(network, new ClusterHarness(root, size, network::placement, i -> List.of(), extraJvmArgs));
  }

  /** The nodes: lifecycle, process faults (SIGKILL, SIGTERM; SIGSTOP through {@code node(i)}), membership, clients. */
  ClusterHarness cluster() {
    return cluster;
  }

  /** Cuts node {@code i} off from every other node and from the client, both directions. */
  void isolate(int i) {
    network.isolate(i);
  }

  /** No traffic between side {@code a} and side {@code b} (node numbers, {@link #CLIENT} for the client). */
  void split(Set<Integer> a, Set<Integer> b) {
    network.split(a, b);
  }

  /** {@code a} can send to {@code b}, {@code b} cannot send to {@code a}. */
  void oneWay(int a, int b) {
    network.oneWay(a, b);
  }

  /** Frames from {@code from} to {@code to} are dropped, the other way is left as it is. */
  void cut(int from, int to) {
    network.cut(from, to);
  }

  /** Removes every network fault. */
  void heal() {
    network.heal();
  }

  /** The fault rules now in force ({@code nft list chain}), for logs. */
  String rules() {
    return network.rules();
  }

  /** Kills the nodes, then deletes the network, even if the first fails. */
  @Override
  public void close() throws Exception {
    Closer.closeAll(cluster, network);
  }
}
