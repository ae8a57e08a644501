package io.sluice.gateway.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.sluice.actors.controller.ReplicaController;
import io.sluice.actors.replication.Replication;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A master learns from its replicas that a newer epoch exists: it is deposed and stops serving. */
class ReplicationSourceTest {
  private static final ReplicationSettings SETTINGS = new ReplicationSettings(ReplicationSettings.Mode.ASYNC, 1,
      Duration.ofSeconds(8), Duration.ofSeconds(5), 1 << 20, Duration.ofMillis(500), Duration.ofSeconds(1));

  @TempDir Path dir;
  ActorSystem<Void> system;
  MessageStore store;

  @BeforeEach
  void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "source-test",
        ConfigFactory.parseString("pekko.actor.provider = local").withFallback(ConfigFactory.defaultReference()));
    store = MessageStore.open(StoreSettings.of(dir, ""));
    store.startEpoch(3).get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    store.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"hello", "fetch"})
  void aRequestShowingAHigherEpochDeposesTheMaster(String request) throws Exception {
    CompletableFuture<ReplicationSource.Deposed> deposed = new CompletableFuture<>();
    ActorRef<ReplicationSource.Deposed> owner = system.systemActorOf(
        Behaviors.receiveMessage(d -> {
          deposed.complete(d);
          return Behaviors.same();
        }), "owner", Props.empty());
    ActorRef<ReplicaController.Command> controller = system.systemActorOf(Behaviors.ignore(), "controller",
        Props.empty());
    ActorRef<ReplicationSource.Command> source = system.systemActorOf(ReplicationSource.create(
        new ReplicationSource.Master("g1", "g1", 3, controller, owner), store, SETTINGS, Set.of()), "source",
        Props.empty());
    ActorRef<Replication.SourceCommand> registered = registeredSource();
    ActorRef<Object> nobody = system.systemActorOf(Behaviors.ignore(), "replica", Props.empty());
    if (request.equals("hello")) {
      registered.tell(new Replication.Hello("g1", "g2", 4, 0, nobody.narrow()));
    } else {
      registered.tell(new Replication.Fetch("g1", "g2", 4, 0, 0, nobody.narrow()));
    }
    assertEquals(new ReplicationSource.Deposed("g1", 3, 4), deposed.get(10, TimeUnit.SECONDS));
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    system.systemActorOf(Behaviors.setup(ctx -> {
      ctx.watch(source);
      return Behaviors.receiveSignal((c, signal) -> {
        stopped.complete(null);
        return Behaviors.stopped();
      });
    }), "watcher", Props.empty());
    // a deposed source stops serving
    stopped.get(10, TimeUnit.SECONDS);
  }

  private ActorRef<Replication.SourceCommand> registeredSource() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
          r -> Receptionist.find(Replication.keyOf("g1"), r), Duration.ofSeconds(5), system.scheduler())
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      var found = listing.getServiceInstances(Replication.keyOf("g1"));
      if (!found.isEmpty()) {
        return found.iterator().next();
      }
      assertTrue(System.nanoTime() < deadline, "the source registered");
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }
}
