package io.sluice.gateway.replication;

import io.sluice.actors.LocalOnly;
import io.sluice.actors.replication.Replication;
import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.MessageStore;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The replica side of one broker group toward one master: finds the group's {@link
 * ReplicationSource} on the master's node (the controller's ACTIVE master; a deposed master may
 * still be registered elsewhere) through the receptionist, says {@link Replication.Hello}, truncates (or resets) its store as the
 * {@link Replication.Welcome} says, then fetches in a loop: each chunk is written with {@code
 * appendRaw} and the next fetch carries the store's confirmed position (the ack). The store drops
 * segments wholly below the master's lowest position. When the master does not answer, refuses, or
 * is replaced (a restart registers a new source), it says hello again after a backoff (200 ms
 * doubling to 5 s). Every exchange carries a session number, so answers of an abandoned session
 * are ignored.
 */
public final class ReplicaFetcher {
  /** The fetcher's messages. */
  public interface Command {}

  /** Told to the fetcher's owner each time the replica reached the master's log end after writing. */
  public record CaughtUp(String group, long position) implements LocalOnly {}

  private record Sources(Set<ActorRef<Replication.SourceCommand>> refs) implements Command, LocalOnly {}

  private record Welcomed(long session, Replication.Welcome welcome, Throwable failure) implements Command, LocalOnly {}

  private record Prepared(long session, long position, Throwable failure) implements Command, LocalOnly {}

  private record Fetched(long session, Replication.FetchReply reply, Throwable failure) implements Command, LocalOnly {}

  private record Written(long session, Replication.Chunk chunk, Throwable failure) implements Command, LocalOnly {}

  private record Reconnect(long session) implements Command, LocalOnly {}

  private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final String group;
  private final String replicaId;
  private final MessageStore store;
  private final ReplicationSettings settings;
  private final Address master;
  private final ActorRef<CaughtUp> owner;

  private ActorRef<Replication.SourceCommand> source;
  private long session;
  private boolean connected;
  private long epoch;
  private long position;
  private boolean caughtUp;
  private Duration backoff = MIN_BACKOFF;

  private ReplicaFetcher(ActorContext<Command> ctx, TimerScheduler<Command> timers, String group, String replicaId,
      MessageStore store, ReplicationSettings settings, Address master, ActorRef<CaughtUp> owner) {
    this.ctx = ctx;
    this.master = master;
    this.owner = owner;
    this.timers = timers;
    this.group = group;
    this.replicaId = replicaId;
    this.store = store;
    this.settings = settings;
    this.position = store.confirmedPosition();
  }

  /**
   * Keeps {@code store} a replica of {@code group}, fetching as {@code replicaId} from the source on
   * node {@code master}; {@code owner} hears when it caught up.
   */
  public static Behavior<Command> create(String group, String replicaId, MessageStore store,
      ReplicationSettings settings, Address master, ActorRef<CaughtUp> owner) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.getSystem().receptionist().tell(Receptionist.subscribe(Replication.keyOf(group),
          ctx.messageAdapter(Receptionist.Listing.class,
              listing -> new Sources(listing.getServiceInstances(Replication.keyOf(group))))));
      ctx.getLog().info("Replica of broker group '{}' as '{}' in {}: log end {}; master on {}", group, replicaId,
          store.settings().dir(), store.confirmedPosition(), master);
      return new ReplicaFetcher(ctx, timers, group, replicaId, store, settings, master, owner).behavior();
    }));
  }

  private Behavior<Command> behavior() {
    publish();
    return Behaviors.receive(Command.class)
        .onMessage(Sources.class, this::onSources)
        .onMessage(Welcomed.class, this::onWelcomed)
        .onMessage(Prepared.class, this::onPrepared)
        .onMessage(Fetched.class, this::onFetched)
        .onMessage(Written.class, this::onWritten)
        .onMessage(Reconnect.class, r -> {
          if (r.session() == session) {
            hello();
          }
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onSources(Sources sources) {
    if (source != null && sources.refs().contains(source)) {
      return Behaviors.same();
    }
    source = sources.refs().stream().filter(ref -> nodeOf(ref).equals(master)).findFirst().orElse(null);
    if (source == null) {
      ctx.getLog().info("Replica of '{}': its master on {} is not registered yet; waiting", group, master);
      session++;
      connected = false;
      publish();
      return Behaviors.same();
    }
    backoff = MIN_BACKOFF;
    hello();
    return Behaviors.same();
  }

  /** The node of {@code ref}: a local ref's is this node's. */
  private Address nodeOf(ActorRef<?> ref) {
    Address address = ref.path().address();
    return address.hasLocalScope() ? Cluster.get(ctx.getSystem()).selfMember().address() : address;
  }

  private void hello() {
    long s = ++session;
    connected = false;
    if (source == null) {
      return;
    }
    long lastEpoch = store.epochs().last().map(Epoch::epoch).orElse(0L);
    long end = store.confirmedPosition();
    ctx.ask(Replication.Welcome.class, source, HELLO_TIMEOUT,
        replyTo -> new Replication.Hello(group, replicaId, lastEpoch, end, replyTo),
        (welcome, failure) -> new Welcomed(s, welcome, failure));
  }

  private Behavior<Command> onWelcomed(Welcomed w) {
    if (w.session() != session) {
      return Behaviors.same();
    }
    if (w.failure() != null) {
      return retry("the master did not answer hello: " + w.failure());
    }
    Replication.Welcome welcome = w.welcome();
    epoch = welcome.epoch();
    long end = store.confirmedPosition();
    CompletionStage<Long> prepared;
    if (end < welcome.masterMinPosition() || welcome.truncateTo() < store.minPosition()) {
      ctx.getLog().info("Replica of '{}': log end {} is outside the master's log (kept from {}, agreed up to {}); "
          + "resetting to {}", group, end, welcome.masterMinPosition(), welcome.truncateTo(), welcome.masterMinPosition());
      prepared = store.resetTo(welcome.masterMinPosition(), welcome.minPositionEpoch())
          .thenApply(done -> welcome.masterMinPosition());
    } else if (welcome.truncateTo() < end) {
      ctx.getLog().info("Replica of '{}': truncating from {} to {} (the master's log differs past it)",
          group, end, welcome.truncateTo());
      prepared = store.truncateTo(welcome.truncateTo());
    } else {
      prepared = java.util.concurrent.CompletableFuture.completedFuture(end);
    }
    long s = session;
    ctx.pipeToSelf(prepared, (at, failure) -> new Prepared(s, at == null ? -1 : at, failure));
    return Behaviors.same();
  }

  private Behavior<Command> onPrepared(Prepared p) {
    if (p.session() != session) {
      return Behaviors.same();
    }
    if (p.failure() != null) {
      return retry("preparing the log failed: " + p.failure());
    }
    position = p.position();
    connected = true;
    caughtUp = false;
    ctx.getLog().info("Replica of '{}' fetching from {} at {} (epoch {})", group, source.path().address(),
        position, epoch);
    fetch();
    return Behaviors.same();
  }

  private void fetch() {
    long s = session;
    long from = position;
    long confirmed = store.confirmedPosition();
    ctx.ask(Replication.FetchReply.class, source, settings.longPoll().plus(HELLO_TIMEOUT),
        replyTo -> new Replication.Fetch(group, replicaId, epoch, from, confirmed, replyTo),
        (reply, failure) -> new Fetched(s, reply, failure));
  }

  private Behavior<Command> onFetched(Fetched f) {
    if (f.session() != session) {
      return Behaviors.same();
    }
    if (f.failure() != null) {
      return retry("fetch failed: " + f.failure());
    }
    Replication.FetchReply reply = f.reply();
    if (reply instanceof Replication.Chunk chunk) {
      onChunk(chunk);
    } else if (reply instanceof Replication.Reset reset) {
      ctx.getLog().info("Replica of '{}': position {} was removed by the master's retention; resetting to {}",
          group, position, reset.masterMinPosition());
      long s = session;
      ctx.pipeToSelf(Completion.of(store.resetTo(reset.masterMinPosition(), reset.minPositionEpoch())),
          (done, failure) -> new Prepared(s, reset.masterMinPosition(), failure));
    } else if (reply instanceof Replication.Refused refused) {
      return retry("the master refused the fetch: " + refused.reason());
    }
    return Behaviors.same();
  }

  private void onChunk(Replication.Chunk chunk) {
    backoff = MIN_BACKOFF;
    if (chunk.bytes().isEmpty()) {
      position = Math.max(position, chunk.nextPosition());
      if (!caughtUp) {
        caughtUp = true;
        ctx.getLog().info("Replica of '{}' caught up with the master at {} (commit position {})",
            group, position, chunk.commitPosition());
        owner.tell(new CaughtUp(group, position));
      }
      afterChunk(chunk);
      return;
    }
    long s = session;
    ctx.pipeToSelf(store.appendRaw(chunk.position(), chunk.bytes().asReadOnlyByteBuffer()),
        (end, failure) -> new Written(s, chunk, failure));
  }

  private Behavior<Command> onWritten(Written w) {
    if (w.session() != session) {
      return Behaviors.same();
    }
    if (w.failure() != null) {
      return retry("writing the chunk at " + w.chunk().position() + " failed: " + w.failure());
    }
    caughtUp = false;
    position = w.chunk().nextPosition();
    if (position >= w.chunk().commitPosition()) {
      owner.tell(new CaughtUp(group, position)); // has every committed record: under steady load no chunk is empty
    }
    afterChunk(w.chunk());
    return Behaviors.same();
  }

  private void afterChunk(Replication.Chunk chunk) {
    store.retainBelow(chunk.masterMinPosition());
    publish();
    fetch();
  }

  private Behavior<Command> retry(String why) {
    ctx.getLog().warn("Replica of '{}' at {}: {}; hello again in {} ms", group, position, why, backoff.toMillis());
    connected = false;
    long s = ++session;
    timers.startSingleTimer(new Reconnect(s), backoff);
    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    publish();
    return Behaviors.same();
  }

  private void publish() {
    String master = connected && source != null ? source.path().address().toString() : "";
    ReplicationStatus.get(ctx.getSystem()).publish(
        new ReplicationStatus.GroupView(group, false, store, master, position, java.util.List.of()));
  }
}
