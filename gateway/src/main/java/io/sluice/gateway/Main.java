package io.sluice.gateway;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.LoggerFactory;

/**
 * Starts a node from {@code application.conf} (overridable with {@code -Dkey=value} or
 * {@code -Dconfig.file=...}) and runs until the JVM is asked to stop (SIGTERM or Ctrl-C run
 * graceful shutdown). Prints one line {@code SLUICE READY grpc=<port> management=<port>
 * cluster=<host>:<port>} when clients can connect, for scripts and tests that start nodes: the
 * last field is the node's own cluster (Artery) address, which other nodes name in {@code
 * pekko.cluster.seed-nodes} to join it (it is bound to port 0 in tests).
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    CommonPool.ensureParallel();
    BrokerNode node;
    try {
      node = BrokerNode.start(ConfigFactory.load());
    } catch (Exception e) {
      LoggerFactory.getLogger(Main.class).error("Sluice node failed to start", e);
      // One plain line for whoever started the node, whatever the logging configuration.
      System.err.println("Sluice node failed to start: " + e.getMessage());
      System.err.flush();
      System.exit(1);
      return;
    }
    LoggerFactory.getLogger(Main.class).info("common pool parallelism {}", CommonPool.parallelism());
    Address self = Cluster.get(node.system()).selfMember().address();
    System.out.println("SLUICE READY grpc=" + node.grpcPort() + " management=" + node.managementPort()
        + " cluster=" + self.getHost().orElse("") + ":" + self.getPort().map(String::valueOf).orElse(""));
    System.out.flush();
    node.system().getWhenTerminated().toCompletableFuture().get();
  }
}
