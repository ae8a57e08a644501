package io.sluice.actors.registry;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * What every registry singleton does with its Distributed Data key (see {@link RegistryMaps}),
 * written once: when it starts it reads a majority (commands wait in a stash meanwhile; without a
 * majority it reads again after {@code retry-interval}), it follows what other nodes write (a
 * singleton before a handover), and it writes one change at a time to a majority, holding further
 * commands until the majority answers. The registry itself ({@link Part}) keeps its commands,
 * validation and replies.
 *
 * <p>The machinery's messages to itself are {@link Signal}s, which each registry carries in one
 * command of its own type ({@code W}), since its command interface is sealed.
 *
 * @param <C> the registry's command type
 * @param <W> the registry's command that carries a {@link Signal}
 * @param <E> the entries of the registry's map
 */
public final class ReplicatedRegistry<C, W extends C, E extends Versioned> {

  /** A registry's own part: what it answers once the entries are read. */
  public interface Part<C> {
    /**
     * Serves the registry's commands; built on {@link ReplicatedRegistry#receive()}. Entered after
     * the start read and after every write.
     */
    Behavior<C> ready();

    /** Called once, when the start read is done (before {@link #ready()}). */
    default void loaded() {}
  }

  /** A message of the machinery to itself. */
  public sealed interface Signal<E> {}

  private record Loaded<E>(Replicator.GetResponse<LWWMap<String, E>> response) implements Signal<E> {}

  private record Reload<E>() implements Signal<E> {}

  private record Merged<E>(Replicator.SubscribeResponse<LWWMap<String, E>> response) implements Signal<E> {}

  private record Written<E>(Replicator.UpdateResponse<LWWMap<String, E>> response, Consumer<Boolean> answer)
      implements Signal<E> {}

  /**
   * The registry's behaviour: starts by reading a majority.
   *
   * @param name names the registry in log messages ("Topic registry")
   * @param carrier the registry's command carrying a {@link Signal}, with {@code wrap} and {@code unwrap}
   * @param part makes the registry's own part, given this machinery
   */
  public static <C, W extends C, E extends Versioned> Behavior<C> create(Key<LWWMap<String, E>> key, String name,
      RegistrySettings settings, Class<W> carrier, Function<Signal<E>, W> wrap, Function<W, Signal<E>> unwrap,
      Function<ReplicatedRegistry<C, W, E>, Part<C>> part) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> Behaviors.withStash(settings.stashCapacity(),
        stash -> DistributedData.<C, LWWMap<String, E>>withReplicatorMessageAdapter(replicator -> {
          ReplicatedRegistry<C, W, E> registry =
              new ReplicatedRegistry<>(ctx, timers, stash, replicator, key, name, settings, carrier, wrap, unwrap);
          registry.part = part.apply(registry);
          return registry.loading();
        }))));
  }

  private final ActorContext<C> ctx;
  private final TimerScheduler<C> timers;
  private final StashBuffer<C> stash;
  private final ReplicatorMessageAdapter<C, LWWMap<String, E>> replicator;
  private final Key<LWWMap<String, E>> key;
  private final String name;
  private final RegistrySettings settings;
  private final Class<W> carrier;
  private final Function<Signal<E>, W> wrap;
  private final Function<W, Signal<E>> unwrap;
  private final SelfUniqueAddress self;
  private Part<C> part;
  private Map<String, E> entries = Map.of();

  private ReplicatedRegistry(ActorContext<C> ctx, TimerScheduler<C> timers, StashBuffer<C> stash,
      ReplicatorMessageAdapter<C, LWWMap<String, E>> replicator, Key<LWWMap<String, E>> key, String name,
      RegistrySettings settings, Class<W> carrier, Function<Signal<E>, W> wrap, Function<W, Signal<E>> unwrap) {
    this.ctx = ctx;
    this.timers = timers;
    this.stash = stash;
    this.replicator = replicator;
    this.key = key;
    this.name = name;
    this.settings = settings;
    this.carrier = carrier;
    this.wrap = wrap;
    this.unwrap = unwrap;
    this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
    // what other nodes wrote (a singleton before a handover) also reaches this one by gossip
    replicator.subscribe(key, response -> wrap.apply(new Merged<>(response)));
  }

  /** The entries this singleton holds: read, merged from other nodes, and its own writes. */
  public Map<String, E> entries() {
    return entries;
  }

  /** The version for the next change ({@link RegistryMaps#nextVersion}). */
  public long nextVersion() {
    return RegistryMaps.nextVersion(entries);
  }

  public ActorContext<C> context() {
    return ctx;
  }

  public RegistrySettings settings() {
    return settings;
  }

  /** The start of {@link Part#ready()}: it follows what other nodes write. */
  public BehaviorBuilder<C> receive() {
    return BehaviorBuilder.<C>create().onMessage(carrier, cmd -> follow(unwrap.apply(cmd)));
  }

  /**
   * Writes {@code changes} to a majority and holds further commands until it answers; then
   * {@code answer} is told whether the majority confirmed the change in time.
   */
  public Behavior<C> write(Map<String, E> changes, Consumer<Boolean> answer) {
    replicator.askUpdate(
        r -> new Replicator.Update<>(key, LWWMap.empty(), new Replicator.WriteMajority(settings.writeTimeout()), r,
            map -> RegistryMaps.putAll(map, self, changes)),
        response -> wrap.apply(new Written<>(response, answer)));
    // the local replica holds the change from now on, whatever a majority answers
    entries = RegistryMaps.merge(entries, changes);
    return writing();
  }

  private Behavior<C> loading() {
    replicator.askGet(r -> new Replicator.Get<>(key, new Replicator.ReadMajority(settings.readTimeout()), r),
        response -> wrap.apply(new Loaded<>(response)));
    return BehaviorBuilder.<C>create()
        .onMessage(carrier, cmd -> {
          Signal<E> signal = unwrap.apply(cmd);
          if (signal instanceof Loaded<E> loaded) {
            return onLoaded(loaded);
          }
          return signal instanceof Reload ? loading() : follow(signal);
        })
        .onAnyMessage(this::stashIt)
        .build();
  }

  private Behavior<C> onLoaded(Loaded<E> loaded) {
    if (loaded.response() instanceof Replicator.GetSuccess<LWWMap<String, E>> success) {
      entries = RegistryMaps.merge(entries, success.get(key).getEntries());
    } else if (!(loaded.response() instanceof Replicator.NotFound)) {
      ctx.getLog().warn("{}: no majority answered within {} ({}); reading again in {}",
          name, settings.readTimeout(), loaded.response(), settings.retryInterval());
      timers.startSingleTimer(wrap.apply(new Reload<>()), settings.retryInterval());
      return Behaviors.same();
    }
    part.loaded();
    return stash.unstashAll(part.ready());
  }

  private Behavior<C> writing() {
    return BehaviorBuilder.<C>create()
        .onMessage(carrier, cmd -> {
          Signal<E> signal = unwrap.apply(cmd);
          return signal instanceof Written<E> written ? onWritten(written) : follow(signal);
        })
        .onAnyMessage(this::stashIt)
        .build();
  }

  private Behavior<C> onWritten(Written<E> written) {
    boolean confirmed = written.response() instanceof Replicator.UpdateSuccess;
    if (!confirmed) {
      ctx.getLog().warn("{}: a change was not confirmed by a majority: {}", name, written.response());
    }
    written.answer().accept(confirmed);
    return stash.unstashAll(part.ready());
  }

  private Behavior<C> stashIt(C cmd) {
    if (stash.isFull()) {
      ctx.getLog().warn("{}: {} commands wait already; dropped {}", name, settings.stashCapacity(), cmd);
    } else {
      stash.stash(cmd);
    }
    return Behaviors.same();
  }

  /** Merges what another node wrote; in every state, since it needs no reply. */
  private Behavior<C> follow(Signal<E> signal) {
    if (!(signal instanceof Merged<E> merged)) {
      return Behaviors.unhandled();
    }
    if (merged.response() instanceof Replicator.Changed<LWWMap<String, E>> changed) {
      entries = RegistryMaps.merge(entries, changed.get(key).getEntries());
    }
    return Behaviors.same();
  }
}
