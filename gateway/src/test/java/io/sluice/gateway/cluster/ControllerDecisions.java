package io.sluice.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.GroupState;
import io.sluice.actors.controller.ReplicaController;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;

/**
 * Replica controller decisions put into Distributed Data as the controller writes them (an {@code
 * LWWMap} entry of {@link ReplicaController#STATE_KEY} clocked by {@link GroupState#clock()}), for
 * tests that need a group's master without running the controller.
 */
public final class ControllerDecisions {
  private ControllerDecisions() {}

  /** A decision of term 1 with the given version (newer versions win). */
  public static GroupState state(String group, String master, String masterAddress, long epoch,
      GroupState.Status status, long version) {
    return new GroupState(group, master, masterAddress, epoch, Set.of(master), status, 1, version);
  }

  /** Writes {@code state} on each node's replicator and waits until each node's {@link GroupMasters} has it. */
  public static void decide(List<? extends ActorSystem<?>> nodes, GroupState state) throws Exception {
    for (ActorSystem<?> node : nodes) {
      LWWRegister.Clock<GroupState> byClock = (current, value) -> value.clock();
      Replicator.UpdateResponse<LWWMap<String, GroupState>> written = AskPattern.<Replicator.Command,
              Replicator.UpdateResponse<LWWMap<String, GroupState>>>ask(DistributedData.get(node).replicator(),
              replyTo -> new Replicator.Update<>(ReplicaController.STATE_KEY, LWWMap.empty(), Replicator.writeLocal(),
                  replyTo, map -> map.put(DistributedData.get(node).selfUniqueAddress(), state.group(), state, byClock)),
              Duration.ofSeconds(10), node.scheduler())
          .toCompletableFuture().get(15, TimeUnit.SECONDS);
      assertTrue(written instanceof Replicator.UpdateSuccess, written.toString());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (ActorSystem<?> node : nodes) {
      while (!GroupMasters.get(node).stateOf(state.group()).equals(Optional.of(state))) {
        assertTrue(System.nanoTime() < deadline, "decision " + state + " not seen by " + node + " within 10 s");
        TimeUnit.MILLISECONDS.sleep(20);
      }
    }
  }
}
