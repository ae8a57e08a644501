package io.sluice.gateway.replication;

import com.google.protobuf.UnsafeByteOperations;
import io.sluice.actors.LocalOnly;
import io.sluice.actors.replication.Replication;
import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.RawChunk;
import io.sluice.persistence.store.internal.PositionRemovedException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The master side of a broker group's replication (one per node, for its own group): registered
 * with the receptionist under {@link Replication#keyOf}, it answers {@link Replication.Hello} from
 * the store's epoch history and {@link Replication.Fetch} with {@code readRaw} chunks, holding a
 * fetch that finds nothing new for up to {@code long-poll}. Each fetch's confirmed position goes to
 * the store's commit tracker, and {@link InSyncReplicas} decides the in-sync set, handed to the
 * tracker at each change (logged at INFO with the replica's lag). Runs on the blocking-I/O
 * dispatcher: it reads the CommitLog.
 */
public final class ReplicationSource {
  /** The source's messages: the protocol's, and its own. */
  public interface Command {}

  private record Received(Replication.SourceCommand command) implements Command, LocalOnly {}

  /** A long-polled fetch whose wait is over (new bytes, or the long-poll elapsed). */
  private record Ready(Replication.Fetch fetch) implements Command, LocalOnly {}

  private enum Tick implements Command, LocalOnly { INSTANCE }

  private final ActorContext<Command> ctx;
  private final String group;
  private final MessageStore store;
  private final ReplicationSettings settings;
  private final InSyncReplicas replicas;
  private final long epoch;

  private ReplicationSource(ActorContext<Command> ctx, String group, MessageStore store, ReplicationSettings settings,
      long epoch) {
    this.ctx = ctx;
    this.group = group;
    this.store = store;
    this.settings = settings;
    this.replicas = new InSyncReplicas(settings.replicaMaxLag().toNanos());
    this.epoch = epoch;
  }

  /**
   * The source of {@code group} on {@code store}; the store's first epoch (1) is started first if
   * it has none, since a master writes an epoch before serving replicas.
   */
  public static Behavior<Command> create(String group, MessageStore store, ReplicationSettings settings) {
    return Behaviors.setup(ctx -> {
      long epoch = currentEpoch(store);
      ctx.getLog().info("Serving replicas of broker group '{}' ({}, min-in-sync {}) in epoch {} from position {}",
          group, settings.mode(), settings.minInSync(), epoch, store.confirmedPosition());
      ctx.getSystem().receptionist().tell(Receptionist.register(Replication.keyOf(group),
          ctx.messageAdapter(Replication.SourceCommand.class, Received::new)));
      return Behaviors.withTimers(timers -> new ReplicationSource(ctx, group, store, settings, epoch).start(timers));
    });
  }

  private static long currentEpoch(MessageStore store) throws Exception {
    if (store.epochs().last().isEmpty()) {
      store.startEpoch(1).get(30, TimeUnit.SECONDS);
    }
    return store.epochs().last().map(Epoch::epoch).orElseThrow();
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
        .build();
  }

  private Behavior<Command> onReceived(Replication.SourceCommand command) {
    if (command instanceof Replication.Hello hello) {
      onHello(hello);
    } else if (command instanceof Replication.Fetch fetch) {
      onFetch(fetch);
    }
    return Behaviors.same();
  }

  /**
   * The replica's log agrees with this one up to the end of its last epoch here, or its own end if
   * shorter; a replica with an epoch this log does not know keeps nothing. A replica without any
   * epoch (empty, or reset past the master's epoch starts) keeps its log: in this step the master
   * is static and never diverges.
   */
  private void onHello(Replication.Hello hello) {
    if (!group.equals(hello.group())) {
      ctx.getLog().warn("Hello from {} for group '{}' ignored: this node masters '{}'", hello.replicaId(),
          hello.group(), group);
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
    long end = store.confirmedPosition();
    replicas.fetched(fetch.replicaId(), fetch.confirmedPosition(), end, System.nanoTime());
    store.commits().confirmed(fetch.replicaId(), fetch.confirmedPosition());
    evaluate();
    if (fetch.position() < end) {
      serve(fetch);
    } else {
      CompletableFuture<Void> more = store.awaitConfirmed(fetch.position()).copy()
          .completeOnTimeout(null, settings.longPoll().toMillis(), TimeUnit.MILLISECONDS);
      ctx.pipeToSelf(more, (ok, failure) -> new Ready(fetch));
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
    if (!changes.isEmpty()) {
      store.commits().setInSync(replicas.inSync());
      for (InSyncReplicas.Change c : changes) {
        ctx.getLog().info("Replica {} {} the in-sync set of group '{}' (lag {} bytes; {} ms since it last fetched "
                + "or reached the log end); in sync now: {}",
            c.replicaId(), c.joined() ? "joined" : "left", group, c.lagBytes(), c.lagMillis(), replicas.inSync());
      }
    }
    publish();
  }

  private void publish() {
    ReplicationStatus.get(ctx.getSystem()).publish(new ReplicationStatus.GroupView(group, true, store, "", -1,
        replicas.replicas().stream()
            .map(r -> new ReplicationStatus.ReplicaView(r.id(), r.confirmed(), r.inSync()))
            .toList()));
  }
}
