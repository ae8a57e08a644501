package io.sluice.gateway;

import com.typesafe.config.ConfigFactory;
import org.slf4j.LoggerFactory;

/**
 * Starts a node from {@code application.conf} (overridable with {@code -Dkey=value} or
 * {@code -Dconfig.file=...}) and runs until the JVM is asked to stop (SIGTERM or Ctrl-C run
 * graceful shutdown). Prints one line {@code SLUICE READY grpc=<port> management=<port>} when
 * clients can connect, for scripts and tests that start nodes.
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
    System.out.println("SLUICE READY grpc=" + node.grpcPort() + " management=" + node.managementPort());
    System.out.flush();
    node.system().getWhenTerminated().toCompletableFuture().get();
  }
}
