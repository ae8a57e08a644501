package io.sluice.gateway.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.sluice.actors.controller.ReplicaController;
import io.sluice.actors.replication.Replication;
import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.WrappedMessage$;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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
        new ReplicationSource.Master("g1", "g1", List.of("g1", "g2"), 3, controller, owner), store, SETTINGS, Set.of()), "source",
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

  @Test
  void aReplicaNotInTheGroupsListIsRefusedAndNotListedAndOneThatStoppedFetchingIsMarkedStale() throws Exception {
    ReplicationSettings shortLag = new ReplicationSettings(ReplicationSettings.Mode.ASYNC, 1, Duration.ofSeconds(8),
        Duration.ofMillis(300), 1 << 20, Duration.ofMillis(100), Duration.ofSeconds(1));
    startSource(shortLag);
    ActorRef<Replication.SourceCommand> source = registeredSource();

    assertInstanceOf(Replication.Refused.class, fetch(source, "g9", 0));
    long beforeLastFetch = System.nanoTime();
    assertInstanceOf(Replication.Chunk.class, fetch(source, "g2", 0));
    ReplicationStatus.ReplicaView g2 = replicaViews().get(0);
    assertEquals(List.of("g2"), replicaViews().stream().map(ReplicationStatus.ReplicaView::replicaId).toList(),
        "only the listed replica is shown");
    assertFalse(g2.stale(), "it just fetched");

    // g2 fetches no more: shown stale, with how long ago it fetched
    awaitTrue(() -> replicaViews().get(0).stale());
    ReplicationStatus.ReplicaView stale = replicaViews().get(0);
    assertTrue(stale.lastFetchAgeMillis() >= 300, stale.toString());
    assertTrue(stale.lastFetchAgeMillis() <= (System.nanoTime() - beforeLastFetch) / 1_000_000, stale.toString());
  }

  @Test
  void aLongPollPendingWhenTheSourceStopsNeverPipesANullToIt() throws Exception {
    CompletableFuture<DeadLetter> toSource = new CompletableFuture<>();
    ActorRef<DeadLetter> listener = system.systemActorOf(Behaviors.receiveMessage(d -> {
      if (d.recipient().path().name().equals("source")) {
        toSource.complete(d);
      }
      return Behaviors.same();
    }), "dead-letters", Props.empty());
    system.eventStream().tell(new EventStream.Subscribe<>(DeadLetter.class, listener));
    startSource(SETTINGS);
    ActorRef<Replication.SourceCommand> source = registeredSource();
    ActorRef<Object> nobody = system.systemActorOf(Behaviors.ignore(), "replica", Props.empty());
    // at the log end: held for the long-poll (500 ms)
    source.tell(new Replication.Fetch("g1", "g2", 3, store.confirmedPosition(), 0, nobody.narrow()));
    // deposed: the source stops while the fetch waits
    source.tell(new Replication.Hello("g1", "g2", 4, 0, nobody.narrow()));

    DeadLetter dead = toSource.get(10, TimeUnit.SECONDS);
    // Pekko's dead-letter listener throws a NullPointerException on a wrapped null
    assertNotNull(WrappedMessage$.MODULE$.unwrap(dead.message()), dead.toString());
  }

  @Test
  void aJoiningReplicaHoldsTheCommitPositionFromItsProposalOnNotFromTheControllersAnswer() throws Exception {
    // the controller may store the join (and later elect the joiner) before its answer arrives, or
    // the answer may be lost in a partition: a write committed without the joiner could be lost
    CompletableFuture<ReplicaController.ChangeInSync> proposal = new CompletableFuture<>();
    ActorRef<ReplicaController.Command> silentController = system.systemActorOf(Behaviors.receiveMessage(c -> {
      if (c instanceof ReplicaController.ChangeInSync change) {
        proposal.complete(change);
      }
      return Behaviors.same();
    }), "controller", Props.empty());
    ActorRef<ReplicationSource.Deposed> owner = system.systemActorOf(Behaviors.ignore(), "owner", Props.empty());
    system.systemActorOf(ReplicationSource.create(
        new ReplicationSource.Master("g1", "g1", List.of("g1", "g2"), 3, silentController, owner), store, SETTINGS,
        Set.of()), "source", Props.empty());
    ActorRef<Replication.SourceCommand> source = registeredSource();
    ActorRef<Object> replica = system.systemActorOf(Behaviors.ignore(), "replica", Props.empty());
    long end = store.confirmedPosition();

    // g2 has the whole log: it should join
    source.tell(new Replication.Fetch("g1", "g2", 3, end, end, replica.narrow()));
    assertEquals(Set.of("g1", "g2"), proposal.get(10, TimeUnit.SECONDS).inSync());

    // the controller has not answered: a new write is not committed until g2 confirms it
    store.append(List.of(new EventRecord("queue|t-0", 1, "w", List.of(), 4, "", "", new byte[100])))
        .get(10, TimeUnit.SECONDS);
    assertTrue(store.confirmedPosition() > end);
    assertEquals(end, store.commits().commitPosition(), "committed without the joining replica");
    source.tell(new Replication.Fetch("g1", "g2", 3, end, store.confirmedPosition(), replica.narrow()));
    awaitTrue(() -> store.commits().commitPosition() == store.confirmedPosition());
  }

  private void startSource(ReplicationSettings settings) {
    ActorRef<ReplicationSource.Deposed> owner = system.systemActorOf(Behaviors.ignore(), "owner", Props.empty());
    ActorRef<ReplicaController.Command> controller = system.systemActorOf(Behaviors.ignore(), "controller",
        Props.empty());
    system.systemActorOf(ReplicationSource.create(
        new ReplicationSource.Master("g1", "g1", List.of("g1", "g2"), 3, controller, owner), store, settings,
        Set.of()), "source", Props.empty());
  }

  private Replication.FetchReply fetch(ActorRef<Replication.SourceCommand> source, String replicaId, long position)
      throws Exception {
    return AskPattern.<Replication.SourceCommand, Replication.FetchReply>ask(source,
        replyTo -> new Replication.Fetch("g1", replicaId, 3, position, 0, replyTo), Duration.ofSeconds(5),
        system.scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private List<ReplicationStatus.ReplicaView> replicaViews() {
    return ReplicationStatus.get(system).groups().get("g1").replicas();
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "condition not met in time");
      TimeUnit.MILLISECONDS.sleep(20);
    }
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
