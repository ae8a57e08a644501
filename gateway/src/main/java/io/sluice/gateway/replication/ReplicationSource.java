package io.sluice.gateway.replication;

import com.google.protobuf.UnsafeByteOperations;
import io.sluice.actors.LocalOnly;
import io.sluice.actors.controller.ControllerSettings;
import io.sluice.actors.controller.ReplicaController;
import io.sluice.actors.replication.Replication;
import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.RawChunk;
import io.sluice.persistence.store.internal.PositionRemovedException;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The master side of a broker group's replication while this node masters the group in one epoch
 * (started by {@link GroupReplica} on promotion): registered with the receptionist under {@link
 * Replication#keyOf}, it answers {@link Replication.Hello} from the store's epoch history and
 * {@link Replication.Fetch} with {@code readRaw} chunks, holding a fetch that finds nothing new for
 * up to {@code long-poll}. Each fetch's confirmed position goes to the store's commit tracker;
 * {@link InSyncReplicas} proposes in-sync changes, which go to the replica controller ({@link
 * ReplicaController.ChangeInSync} with this epoch, one at a time; logged at INFO with the replica's
 * lag). The tracker holds the largest set the controller may have stored (Kafka's "maximal ISR"): a
 * replica leaves it only once the controller accepted that, but a joining replica holds the commit
 * position from the moment it is proposed until an accepted decision leaves it out, because the
 * controller may store the join, and elect that replica after a failover, before its answer arrives
 * (or when the answer is lost in a partition). A hello or fetch carrying a higher epoch than
 * this one means a newer master exists: the source tells its owner ({@link Deposed}) and stops.
 * Runs on the blocking-I/O dispatcher: it reads the CommitLog.
 */
public final class ReplicationSource {
  /** The source's messages: the protocol's, and its own. */
  public interface Command {}

  /** What the source tells its owner when a replica shows that a newer epoch exists. */
  public record Deposed(String group, long epoch, long newerEpoch) implements LocalOnly {}

  private record Received(Replication.SourceCommand command) implements Command, LocalOnly {}

  /** The controller's answer to an in-sync change (or the ask's failure). */
  private record InSyncDecided(Set<String> proposed, ReplicaController.Decision decision, Throwable failure)
      implements Command, LocalOnly {}

  /** A long-polled fetch whose wait is over (new bytes, or the long-poll elapsed). */
  private record Ready(Replication.Fetch fetch) implements Command, LocalOnly {}

  private enum Tick implements Command, LocalOnly { INSTANCE }

  private final ActorContext<Command> ctx;
  private final Master master;
  private final MessageStore store;
  private final ReplicationSettings settings;
  private final InSyncReplicas replicas;
  private final String group;
  private final long epoch;
  private final Duration decisionTimeout;
  private boolean proposing;
  /** Replicas proposed to join whose membership no accepted decision settled yet: they hold commits. */
  private final Set<String> unsettledJoins = new TreeSet<>();

  /**
   * Who masters what: {@code replicaId} (this node's broker group) masters {@code group} in {@code
   * epoch}; {@code replicas} are the group's configured replica ids ({@code
   * sluice.controller.groups}), the only ones served; in-sync changes go to {@code controller}, a
   * newer epoch's evidence to {@code deposed}.
   */
  public record Master(String group, String replicaId, List<String> replicas, long epoch,
      ActorRef<ReplicaController.Command> controller, ActorRef<Deposed> deposed) {
    public Master {
      replicas = List.copyOf(replicas);
    }
  }

  private ReplicationSource(ActorContext<Command> ctx, Master master, MessageStore store, ReplicationSettings settings,
      Set<String> inSync) {
    this.ctx = ctx;
    this.master = master;
    this.group = master.group();
    this.epoch = master.epoch();
    this.store = store;
    this.settings = settings;
    this.replicas = new InSyncReplicas(settings.replicaMaxLag().toNanos(), inSync, System.nanoTime());
    // the controller answers after its majority write, or "outcome unknown" after write-timeout
    this.decisionTimeout = ControllerSettings.fromConfig(ctx.getSystem().settings().config()).writeTimeout()
        .plusSeconds(5);
  }

  /**
   * The source of {@code master.group()} on {@code store}, whose epoch {@code master.epoch()} was
   * started; {@code inSync} is the in-sync set the controller decided (master excluded), already
   * handed to the store's commit tracker.
   */
  public static Behavior<Command> create(Master master, MessageStore store, ReplicationSettings settings,
      Set<String> inSync) {
    return Behaviors.setup(ctx -> {
      ctx.getLog().info("Serving replicas of broker group '{}' ({}, min-in-sync {}) in epoch {} from position {}; "
              + "in sync: {}", master.group(), settings.mode(), settings.minInSync(), master.epoch(),
          store.confirmedPosition(), inSync);
      ctx.getSystem().receptionist().tell(Receptionist.register(Replication.keyOf(master.group()),
          ctx.messageAdapter(Replication.SourceCommand.class, Received::new)));
      return Behaviors.withTimers(timers -> new ReplicationSource(ctx, master, store, settings, inSync).start(timers));
    });
  }

  private Behavior<Command> start(TimerScheduler<Command> timers) {
    // Often enough that a replica leaves the set about replica-max-lag after it stopped.
    Duration tick = Duration.ofMillis(Math.max(50, settings.replicaMaxLag().toMillis() / 10));
    timers.startTimerWithFixedDelay(Tick.INSTANCE, tick);
    publish();
    return Behaviors.receive(Command.class)
        .onMessage(Received.class, r -> onReceived(r.command()))
        .onMessage(Ready.class, r -> {
          serve(r.fetch());
          return Behaviors.same();
        })
        .onMessageEquals(Tick.INSTANCE, () -> {
          evaluate();
          return Behaviors.same();
        })
        .onMessage(InSyncDecided.class, this::onInSyncDecided)
        .build();
  }

  private Behavior<Command> onReceived(Replication.SourceCommand command) {
    long newer = epochOf(command);
    if (newer > epoch) {
      // a replica has a newer master's log or session: this node is deposed
      ctx.getLog().warn("A replica of group '{}' shows epoch {}, above this master's {}: deposed", group, newer,
          epoch);
      master.deposed().tell(new Deposed(group, epoch, newer));
      return Behaviors.stopped();
    }
    if (command instanceof Replication.Hello hello) {
      onHello(hello);
    } else if (command instanceof Replication.Fetch fetch) {
      onFetch(fetch);
    }
    return Behaviors.same();
  }

  /**
   * A replica the group's configured list does not name (another node's configuration differs) is
   * not served: it would be listed and could be proposed for the in-sync set.
   */
  private boolean isListed(String replicaId) {
    return master.replicas().contains(replicaId) && !replicaId.equals(master.replicaId());
  }

  /** The highest epoch a replica's request shows: its log's last (hello), its session's (fetch). */
  private static long epochOf(Replication.SourceCommand command) {
    if (command instanceof Replication.Hello hello) {
      return hello.lastEpoch();
    }
    return command instanceof Replication.Fetch fetch ? fetch.epoch() : 0;
  }

  /**
   * The replica's log agrees with this one up to the end of its last epoch here, or its own end if
   * shorter; a replica with an epoch this log does not know keeps nothing. A replica without any
   * epoch (empty, or reset past the master's epoch starts) keeps its log.
   */
  private void onHello(Replication.Hello hello) {
    if (!group.equals(hello.group())) {
      ctx.getLog().warn("Hello from {} for group '{}' ignored: this node masters '{}'", hello.replicaId(),
          hello.group(), group);
      return;
    }
    if (!isListed(hello.replicaId())) {
      ctx.getLog().warn("Hello from {} for group '{}' ignored: not in its replica list {} (sluice.controller.groups)",
          hello.replicaId(), group, master.replicas());
      return;
    }
    long end = store.confirmedPosition();
    long agreed = hello.lastEpoch() <= 0 ? end : store.epochs().endOf(hello.lastEpoch(), end);
    long truncateTo = agreed < 0 ? 0 : Math.min(agreed, hello.endPosition());
    ctx.getLog().info("Replica {} of group '{}' says hello (epoch {}, log end {}): truncate to {}, master end {}",
        hello.replicaId(), group, hello.lastEpoch(), hello.endPosition(), truncateTo, end);
    long min = store.minPosition();
    hello.replyTo().tell(new Replication.Welcome(epoch, truncateTo, min, epochAt(min)));
  }

  private void onFetch(Replication.Fetch fetch) {
    if (!group.equals(fetch.group()) || fetch.epoch() != epoch) {
      fetch.replyTo().tell(new Replication.Refused(epoch, "this master of '" + group + "' is in epoch " + epoch
          + "; the fetch was for '" + fetch.group() + "' in epoch " + fetch.epoch()));
      return;
    }
    if (!isListed(fetch.replicaId())) {
      fetch.replyTo().tell(new Replication.Refused(epoch, "'" + fetch.replicaId() + "' is not in the replica list "
          + master.replicas() + " of '" + group + "' (sluice.controller.groups)"));
      return;
    }
    long end = store.confirmedPosition();
    replicas.fetched(fetch.replicaId(), fetch.confirmedPosition(), end, System.nanoTime());
    store.commits().confirmed(fetch.replicaId(), fetch.confirmedPosition());
    evaluate();
    if (fetch.position() < end) {
      serve(fetch);
    } else {
      CompletableFuture<Void> more = store.awaitConfirmed(fetch.position()).copy()
          .completeOnTimeout(null, settings.longPoll().toMillis(), TimeUnit.MILLISECONDS);
      ctx.pipeToSelf(Completion.of(more), (ok, failure) -> new Ready(fetch));
    }
  }

  private void serve(Replication.Fetch fetch) {
    long end = store.confirmedPosition();
    long commit = store.commits().commitPosition();
    replicas.served(fetch.replicaId(), end);
    try {
      RawChunk chunk = store.readRaw(fetch.position(), settings.fetchMaxBytes());
      fetch.replyTo().tell(new Replication.Chunk(epoch, chunk.position(),
          UnsafeByteOperations.unsafeWrap(chunk.bytes()), chunk.nextPosition(), commit, store.minPosition()));
    } catch (PositionRemovedException removed) {
      long min = store.minPosition();
      fetch.replyTo().tell(new Replication.Reset(epoch, min, epochAt(min)));
    } catch (IOException | RuntimeException e) {
      ctx.getLog().warn("Reading position {} of group '{}' for replica {} failed", fetch.position(), group,
          fetch.replicaId(), e);
      fetch.replyTo().tell(new Replication.Refused(epoch, "reading position " + fetch.position() + " failed: " + e));
    }
  }

  private long epochAt(long position) {
    return store.epochs().epochAt(position).map(Epoch::epoch).orElse(0L);
  }

  private void evaluate() {
    long end = store.confirmedPosition();
    List<InSyncReplicas.Change> changes = replicas.evaluate(end, store.commits().commitPosition(), System.nanoTime());
    // an unsettled join is proposed again until a decision settles it, so it cannot hold commits forever
    if ((!changes.isEmpty() || !unsettledJoins.isEmpty()) && !proposing) {
      proposing = true;
      Set<String> proposed = replicas.proposed(changes);
      changes.stream().filter(InSyncReplicas.Change::joined).forEach(c -> unsettledJoins.add(c.replicaId()));
      holdCommits();
      Set<String> withMaster = new HashSet<>(proposed);
      withMaster.add(master.replicaId());
      for (InSyncReplicas.Change c : changes) {
        ctx.getLog().info("Replica {} should {} the in-sync set of group '{}' (lag {} bytes; {} ms since it last "
                + "fetched or reached the log end): asking the controller", c.replicaId(),
            c.joined() ? "join" : "leave", group, c.lagBytes(), c.lagMillis());
      }
      ctx.ask(ReplicaController.Decision.class, master.controller(), decisionTimeout,
          replyTo -> new ReplicaController.ChangeInSync(group, master.replicaId(), epoch, withMaster, replyTo),
          (decision, failure) -> new InSyncDecided(proposed, decision, failure));
    }
    publish();
  }

  private Behavior<Command> onInSyncDecided(InSyncDecided decided) {
    proposing = false;
    if (decided.decision() instanceof ReplicaController.Accepted accepted) {
      Set<String> inSync = new HashSet<>(accepted.state().inSync());
      inSync.remove(master.replicaId());
      replicas.setInSync(inSync);
      unsettledJoins.clear();
      holdCommits();
      ctx.getLog().info("In-sync set of group '{}' in epoch {} now: {} and the master", group, epoch, inSync);
    } else {
      // a refusal may be "outcome unknown": the proposed joiners keep holding commits until settled
      ctx.getLog().warn("In-sync change of group '{}' to {} not made (joining replicas {} still hold the commit "
              + "position): {}", group, decided.proposed(), unsettledJoins,
          decided.failure() != null ? decided.failure().toString()
              : ((ReplicaController.Refused) decided.decision()).reason());
    }
    publish();
    return Behaviors.same();
  }

  /** The tracker's set: the accepted in-sync replicas and every join not settled yet. */
  private void holdCommits() {
    Set<String> holding = new TreeSet<>(replicas.inSync());
    holding.addAll(unsettledJoins);
    store.commits().setInSync(holding);
  }

  private void publish() {
    ReplicationStatus.get(ctx.getSystem()).publish(new ReplicationStatus.GroupView(group, true, store, "", -1,
        replicas.replicas().stream()
            .map(r -> new ReplicationStatus.ReplicaView(r.id(), r.confirmed(), r.inSync(), r.lastFetchNanos(),
                settings.replicaMaxLag().toNanos()))
            .toList()));
  }
}
