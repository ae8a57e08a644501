package io.sluice.gateway.replication;

import io.sluice.actors.LocalOnly;
import io.sluice.actors.controller.ControllerSettings;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.controller.GroupState;
import io.sluice.actors.controller.PromotionHook;
import io.sluice.actors.controller.ReplicaController;
import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreRole;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * One replicated broker group on this node (shared/CLUSTER.md 4.6): owns the role of the group's
 * store, which starts as a {@code REPLICA} (the node's own group's too) and becomes master only when
 * the replica controller says so.
 *
 * <ul>
 *   <li>Reports the store's log to the controller every {@code report-interval} once the node is
 *       up ({@link
 *       ReplicaController.Report}: last epoch, log end, clean start, and this actor's promotion
 *       hook).
 *   <li>While the controller names another node's replica the ACTIVE master, runs a {@link
 *       ReplicaFetcher} toward that node's source (its hello truncates a divergent tail).
 *   <li>On {@link PromotionHook.Promote}: stops the fetcher (and waits for it), sets the store's
 *       role to master, appends the epoch's {@code EpochStart}, hands the in-sync set to the commit
 *       tracker, starts the {@link ReplicationSource} and answers {@link ReplicaController.Promoted};
 *       a repeat of an epoch it masters is answered again.
 *   <li>{@link SwitchAway} (an operator's switch, or the node leaves): a planned switch of a group
 *       it masters without cutting a write: it stops taking writes (appends are refused {@code
 *       NOT_MASTER}, so clients resend them to the new master), waits up to the replication
 *       {@code timeout} until the in-sync replica furthest ahead holds the whole log, then asks the
 *       controller to elect that replica and acts on the decision as soon as it is accepted; a
 *       replica that does not catch up in time, or a refusal, resumes writes here.
 *   <li>Demotes (role replica first, so nothing more is written, then the source stops, and the
 *       store's pending {@code sync} writes fail at once, outcome unknown) when a newer decision
 *       names another master or none, or when its source learns of a newer epoch from a replica.
 *   <li>A node going away (its CoordinatedShutdown started, or the cluster shows it leaving,
 *       exiting, downed or removed, or not up) takes no write for the group from then on: a store
 *       it masters turns replica at once (its source keeps serving, so a switch can still hand the
 *       group off), a failed switch does not resume writes, and a promotion is not taken.
 * </ul>
 *
 * <p>Clean start, as the controller needs it: the store's last stop was clean and its recovery cut
 * no torn tail, or the fetcher has caught up with a master since.
 */
public final class GroupReplica {
  private static final Duration HAND_OFF_CHECK = Duration.ofMillis(20);
  /** The actor's messages, all local. */
  public interface Command extends LocalOnly {}

  /**
   * A planned switch of the group, if this node masters it, to another in-sync replica once that
   * replica holds the whole log ({@link ReplicaController.SwitchMaster} naming it); {@code replyTo}
   * hears the controller's {@link ReplicaController.Accepted} decision once this store no longer
   * takes writes, or {@link ReplicaController.Refused} when it stays master (it masters nothing
   * here, no other in-sync replica, the replica did not catch up within the replication {@code
   * timeout}, the controller refused or did not answer).
   */
  public record SwitchAway(ActorRef<ReplicaController.Decision> replyTo) implements Command {}

  private enum ReportTick implements Command { INSTANCE }

  private enum HandOffTick implements Command { INSTANCE }

  /**
   * A switch under way: writes stopped in {@code epoch}; {@code end} is the static log end (-1 until
   * known); {@code asked} once the controller is asked to elect {@code target}.
   */
  private record HandOff(SwitchAway request, long epoch, String target, long deadlineNanos, long end,
      boolean asked) {
    HandOff atEnd(long logEnd) {
      return new HandOff(request, epoch, target, deadlineNanos, logEnd, false);
    }

    HandOff asking() {
      return new HandOff(request, epoch, target, deadlineNanos, end, true);
    }
  }

  private record WritesStopped(HandOff handOff) implements Command {}

  private record Switched(ReplicaController.Decision decision, Throwable failure) implements Command {}

  private record Decided(GroupState state) implements Command {}

  private record Promote(PromotionHook.Promote promote) implements Command {}

  private record FetcherStopped(PromotionHook.Promote promote) implements Command {}

  private record EpochStarted(PromotionHook.Promote promote, Throwable failure) implements Command {}

  private record SourceDeposed(ReplicationSource.Deposed deposed) implements Command {}

  private record CaughtUp(ReplicaFetcher.CaughtUp caughtUp) implements Command {}

  private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {}

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final String group;
  private final String replicaId;
  private final List<String> replicas;
  private final MessageStore store;
  private final ReplicationSettings settings;
  private final ActorRef<ReplicaController.Command> controller;
  private final ActorRef<PromotionHook.Promote> hook;
  private final Address self;
  private final boolean startedClean;

  private GroupState known;
  private long masterEpoch;
  private PromotionHook.Promote promoting;
  private boolean caughtUp;
  private ActorRef<ReplicaFetcher.Command> fetcher;
  private Address fetchingFrom;
  private ActorRef<ReplicationSource.Command> source;
  private HandOff handOff;
  private int children;
  /** Set once this node is going away: it never takes a write for the group again. */
  private boolean goingAway;

  private GroupReplica(ActorContext<Command> ctx, TimerScheduler<Command> timers, String group, String replicaId,
      List<String> replicas, MessageStore store, ReplicationSettings settings,
      ActorRef<ReplicaController.Command> controller) {
    this.ctx = ctx;
    this.timers = timers;
    this.group = group;
    this.replicaId = replicaId;
    this.replicas = List.copyOf(replicas);
    this.store = store;
    this.settings = settings;
    this.controller = controller;
    this.hook = ctx.messageAdapter(PromotionHook.Promote.class, Promote::new);
    this.self = Cluster.get(ctx.getSystem()).selfMember().address();
    this.startedClean = store.lastStopClean() && store.recovery().discardedBytes() == 0;
  }

  /**
   * Keeps {@code store}, this node's copy of {@code group}, as the controller decides; {@code
   * replicaId} is this node's broker group, {@code replicas} the group's configured replica ids.
   */
  public static Behavior<Command> create(String group, String replicaId, List<String> replicas, MessageStore store,
      ReplicationSettings settings, ActorRef<ReplicaController.Command> controller) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      store.setRole(StoreRole.REPLICA);
      GroupMasters masters = GroupMasters.get(ctx.getSystem());
      ActorRef<Command> me = ctx.getSelf();
      masters.addListener(state -> {
        if (state.group().equals(group)) {
          me.tell(new Decided(state));
        }
      });
      masters.stateOf(group).ifPresent(state -> me.tell(new Decided(state)));
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new), ClusterEvent.MemberEvent.class));
      timers.startTimerWithFixedDelay(ReportTick.INSTANCE, settings.reportInterval());
      GroupReplica replica = new GroupReplica(ctx, timers, group, replicaId, replicas, store, settings, controller);
      ctx.getLog().info("Replicated broker group '{}' carried as replica '{}' (replicas {}), store in {}: started {}",
          group, replicaId, replicas, store.settings().dir(), replica.startedClean ? "clean" : "unclean");
      replica.report();
      replica.publish();
      return replica.behavior();
    }));
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessageEquals(ReportTick.INSTANCE, () -> {
          report();
          return Behaviors.same();
        })
        .onMessage(Decided.class, d -> onDecided(d.state()))
        .onMessage(Promote.class, p -> onPromote(p.promote()))
        .onMessage(FetcherStopped.class, f -> startEpoch(f.promote()))
        .onMessage(EpochStarted.class, this::onEpochStarted)
        .onMessage(SourceDeposed.class, d -> {
          if (masterEpoch == d.deposed().epoch()) {
            source = null;
            demote("a replica showed epoch " + d.deposed().newerEpoch());
          }
          return Behaviors.same();
        })
        .onMessage(SwitchAway.class, this::onSwitchAway)
        .onMessage(WritesStopped.class, this::onWritesStopped)
        .onMessageEquals(HandOffTick.INSTANCE, this::checkHandOff)
        .onMessage(Switched.class, this::onSwitched)
        .onMessage(MemberChanged.class, m -> {
          if (m.event().member().address().equals(self) && isLeaving(m.event().member().status())) {
            stopWritesForGood("this node is " + m.event().member().status());
          }
          return Behaviors.same();
        })
        .onMessage(CaughtUp.class, c -> {
          if (!caughtUp && !startedClean) {
            ctx.getLog().info("Replica of '{}' caught up at {}: eligible for election again", group,
                c.caughtUp().position());
          }
          caughtUp = true;
          return Behaviors.same();
        })
        .build();
  }

  /**
   * Only once this node is up: the controller elects only among up members, so a cold start
   * decided on a joining node's report would pass it over (the preferred master, say).
   */
  private void report() {
    if (!isUp(Cluster.get(ctx.getSystem()).selfMember().status())) {
      return;
    }
    long lastEpoch = store.epochs().last().map(Epoch::epoch).orElse(0L);
    controller.tell(new ReplicaController.Report(group, replicaId, lastEpoch, store.confirmedPosition(),
        startedClean || caughtUp, replicas, hook));
  }

  /** Up as the controller counts it: only such members are elected. */
  private static boolean isUp(MemberStatus status) {
    return status == MemberStatus.up() || status == MemberStatus.weaklyUp();
  }

  /** A status a member only leaves by going away (joining is not one of them). */
  private static boolean isLeaving(MemberStatus status) {
    return status == MemberStatus.leaving() || status == MemberStatus.exiting() || status == MemberStatus.down()
        || status == MemberStatus.removed() || status == MemberStatus.shuttingDown()
        || status == MemberStatus.shutDown();
  }

  /**
   * Why this node may not take writes for the group, or null: it is going away (a planned switch
   * started by its shutdown that fails must not make it a master again, nor may a promotion that
   * arrives meanwhile: its acknowledged writes would be lost or hang when it is gone).
   */
  private String goingAwayReason() {
    if (goingAway) {
      return "this node is going away";
    }
    var shutdown = CoordinatedShutdown.get(ctx.getSystem()).getShutdownReason();
    if (shutdown.isPresent()) {
      return "this node is shutting down (" + shutdown.get() + ")";
    }
    MemberStatus status = Cluster.get(ctx.getSystem()).selfMember().status();
    return isUp(status) ? null : "this node is " + status + " in the cluster";
  }

  /** This node is going away: the store refuses writes from now on, whatever it masters. */
  private void stopWritesForGood(String why) {
    if (goingAway) {
      return;
    }
    goingAway = true;
    if (store.role() == StoreRole.MASTER) {
      store.setRole(StoreRole.REPLICA);
      ctx.getLog().warn("'{}' takes no write on this node from now on (epoch {}): {}", group, masterEpoch, why);
    }
  }

  // ---- the controller's decisions ----

  private Behavior<Command> onDecided(GroupState state) {
    if (known != null && !state.isNewerThan(known)) {
      return Behaviors.same();
    }
    known = state;
    if (isMine(state)) {
      // the promotion itself comes as Promote
      return Behaviors.same();
    }
    if (masterEpoch > 0) {
      demote("the controller decided " + describe(state));
    } else {
      follow();
    }
    return Behaviors.same();
  }

  private boolean isMine(GroupState state) {
    return state.master().equals(replicaId) && state.masterAddress().equals(self.toString());
  }

  /** Runs the fetcher toward the ACTIVE master the controller names, if it is not this node. */
  private void follow() {
    Address master = known != null && known.status() == GroupState.Status.ACTIVE && !isMine(known)
        ? AddressFromURIString.parse(known.masterAddress()) : null;
    if (promoting != null || masterEpoch > 0 || (master != null && master.equals(fetchingFrom))) {
      return;
    }
    stopFetcher();
    if (master != null) {
      fetchingFrom = master;
      fetcher = ctx.spawn(ReplicaFetcher.create(group, replicaId, store, settings, master,
              ctx.messageAdapter(ReplicaFetcher.CaughtUp.class, CaughtUp::new)),
          "fetcher-" + (++children), DispatcherSelector.blocking());
    }
    publish();
  }

  private void stopFetcher() {
    if (fetcher != null) {
      ctx.stop(fetcher);
      fetcher = null;
      fetchingFrom = null;
    }
  }

  // ---- planned switch ----

  private Behavior<Command> onSwitchAway(SwitchAway request) {
    String away = goingAwayReason();
    if (away != null) {
      // the leaving node's switch: no write from now on, whether or not the switch succeeds
      stopWritesForGood(away);
    }
    if (masterEpoch == 0 || promoting != null) {
      request.replyTo().tell(new ReplicaController.Refused("this node does not master '" + group + "'"
          + (known != null && !known.master().isEmpty() ? ": " + describe(known) + " on " + known.masterAddress() : "")));
      return Behaviors.same();
    }
    if (handOff != null) {
      request.replyTo().tell(new ReplicaController.Refused("a switch of '" + group + "' is under way already"));
      return Behaviors.same();
    }
    String target = furthestInSync();
    if (target == null) {
      request.replyTo().tell(new ReplicaController.Refused("no other in-sync replica of '" + group + "'"));
      return Behaviors.same();
    }
    // no write from now on (queued ones are refused too); the barrier's batch follows every earlier one
    store.setRole(StoreRole.REPLICA);
    handOff = new HandOff(request, masterEpoch, target, System.nanoTime() + settings.timeout().toNanos(), -1, false);
    ctx.getLog().info("Switching the master of '{}' (epoch {}) to '{}': writes stopped until it holds the whole log",
        group, masterEpoch, target);
    HandOff started = handOff;
    ctx.pipeToSelf(store.appendAllAt(List.of()), (result, failure) -> new WritesStopped(started));
    return Behaviors.same();
  }

  /** The in-sync replica that confirmed the most (the configured order breaks a tie), or null. */
  private String furthestInSync() {
    Map<String, Long> confirmed = store.commits().confirmedPositions();
    return store.commits().inSync().stream()
        .filter(id -> !id.equals(replicaId))
        .max(Comparator.<String>comparingLong(id -> confirmed.getOrDefault(id, 0L))
            .thenComparing(id -> -position(id)))
        .orElse(null);
  }

  private int position(String id) {
    int index = replicas.indexOf(id);
    return index < 0 ? Integer.MAX_VALUE : index;
  }

  private Behavior<Command> onWritesStopped(WritesStopped stopped) {
    if (handOff == stopped.handOff()) {
      handOff = handOff.atEnd(store.confirmedPosition());
      // the target's confirmations come with its fetches: checked this often while writes wait
      timers.startTimerWithFixedDelay(HandOffTick.INSTANCE, HAND_OFF_CHECK);
      return checkHandOff();
    }
    return Behaviors.same();
  }

  private Behavior<Command> checkHandOff() {
    if (handOff == null || handOff.end() < 0 || handOff.asked()) {
      return Behaviors.same();
    }
    if (masterEpoch != handOff.epoch()) {
      endHandOff(new ReplicaController.Refused("this node stopped mastering '" + group + "' during the switch"));
      return Behaviors.same();
    }
    long confirmed = store.commits().confirmedPositions().getOrDefault(handOff.target(), 0L);
    if (confirmed >= handOff.end()) {
      ctx.getLog().info("Replica '{}' of '{}' holds the whole log ({}): asking the controller to elect it",
          handOff.target(), group, handOff.end());
      handOff = handOff.asking();
      timers.cancel(HandOffTick.INSTANCE);
      String target = handOff.target();
      Duration timeout = ControllerSettings.fromConfig(ctx.getSystem().settings().config()).writeTimeout()
          .plusSeconds(2);
      ctx.ask(ReplicaController.Decision.class, controller, timeout,
          replyTo -> new ReplicaController.SwitchMaster(group, target, replyTo), Switched::new);
    } else if (System.nanoTime() - handOff.deadlineNanos() > 0) {
      resumeWrites();
      endHandOff(new ReplicaController.Refused("replica '" + handOff.target() + "' of '" + group + "' reached "
          + confirmed + " of the log end " + handOff.end() + " within " + settings.timeout()
          + " (sluice.cluster.replication.timeout): switch refused, writes resumed here"));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onSwitched(Switched switched) {
    if (switched.decision() instanceof ReplicaController.Accepted accepted) {
      // act on the decision now: the Distributed Data notification may come after the node left
      onDecided(accepted.state());
      endHandOff(accepted);
      return Behaviors.same();
    }
    String why = switched.failure() != null ? "the controller did not answer: " + switched.failure()
        : ((ReplicaController.Refused) switched.decision()).reason();
    ctx.getLog().warn("The master of '{}' was not switched to '{}': {}", group, handOff.target(), why);
    resumeWrites();
    endHandOff(new ReplicaController.Refused(why));
    return Behaviors.same();
  }

  /**
   * Takes writes again if this node still masters the epoch the switch started in and is not going
   * away (then it stays refusing {@code NOT_MASTER} until it leaves).
   */
  private void resumeWrites() {
    if (masterEpoch != handOff.epoch() || (known != null && !isMine(known))) {
      return;
    }
    String away = goingAwayReason();
    if (away != null) {
      stopWritesForGood(away);
      ctx.getLog().warn("The master of '{}' does not take writes again (epoch {}): {}", group, masterEpoch, away);
      return;
    }
    store.setRole(StoreRole.MASTER);
    ctx.getLog().info("The master of '{}' takes writes again (epoch {})", group, masterEpoch);
  }

  private void endHandOff(ReplicaController.Decision answer) {
    timers.cancel(HandOffTick.INSTANCE);
    handOff.request().replyTo().tell(answer);
    handOff = null;
  }

  // ---- promotion ----

  private Behavior<Command> onPromote(PromotionHook.Promote promote) {
    if (masterEpoch > 0 && masterEpoch >= promote.epoch()) {
      // a repeat (a new controller re-sends to a group still promoting): done already
      promote.replyTo().tell(new ReplicaController.Promoted(group, replicaId, promote.epoch()));
      return Behaviors.same();
    }
    if (promoting != null) {
      return Behaviors.same();
    }
    String away = goingAwayReason();
    if (away != null) {
      // not answered: the controller sends it again at the next report, or elects another once this node is removed
      ctx.getLog().warn("Promotion of '{}' to epoch {} not taken: {}", group, promote.epoch(), away);
      return Behaviors.same();
    }
    long lastEpoch = store.epochs().last().map(Epoch::epoch).orElse(0L);
    if (promote.epoch() <= lastEpoch) {
      ctx.getLog().warn("Promotion of '{}' to epoch {} ignored: the store is in epoch {} already", group,
          promote.epoch(), lastEpoch);
      return Behaviors.same();
    }
    ctx.getLog().info("Promoting this node's replica of '{}' to master in epoch {} (in sync: {})", group,
        promote.epoch(), promote.inSync());
    promoting = promote;
    if (fetcher == null) {
      return startEpoch(promote);
    }
    // no replicated chunk may be written after the epoch starts
    ctx.watchWith(fetcher, new FetcherStopped(promote));
    ctx.stop(fetcher);
    fetcher = null;
    fetchingFrom = null;
    return Behaviors.same();
  }

  private Behavior<Command> startEpoch(PromotionHook.Promote promote) {
    String away = goingAwayReason();
    if (away != null) {
      promoting = null;
      ctx.getLog().warn("Promotion of '{}' to epoch {} not taken: {}", group, promote.epoch(), away);
      follow();
      return Behaviors.same();
    }
    store.setRole(StoreRole.MASTER);
    ctx.pipeToSelf(store.startEpoch(promote.epoch()), (position, failure) -> new EpochStarted(promote, failure));
    return Behaviors.same();
  }

  private Behavior<Command> onEpochStarted(EpochStarted started) {
    PromotionHook.Promote promote = started.promote();
    promoting = null;
    if (started.failure() != null) {
      store.setRole(StoreRole.REPLICA);
      ctx.getLog().error("Promotion of '{}' to epoch {} failed: the store could not start the epoch", group,
          promote.epoch(), started.failure());
      follow();
      return Behaviors.same();
    }
    String away = goingAwayReason();
    if (away != null) {
      // went away while the epoch started: not answered, like a promotion arriving then
      store.setRole(StoreRole.REPLICA);
      ctx.getLog().warn("Promotion of '{}' to epoch {} not taken: {}", group, promote.epoch(), away);
      follow();
      return Behaviors.same();
    }
    masterEpoch = promote.epoch();
    if (known != null && known.epoch() > promote.epoch() && !isMine(known)) {
      demote("a newer decision came during the promotion: " + describe(known));
      return Behaviors.same();
    }
    if (source != null) {
      // promoted again (an operator forced a new epoch): the old epoch's source stops serving
      ctx.stop(source);
    }
    Set<String> inSync = new HashSet<>(promote.inSync());
    inSync.remove(replicaId);
    store.commits().restart(inSync);
    ActorRef<ReplicationSource.Deposed> deposed =
        ctx.messageAdapter(ReplicationSource.Deposed.class, SourceDeposed::new);
    source = ctx.spawn(ReplicationSource.create(
            new ReplicationSource.Master(group, replicaId, replicas, masterEpoch, controller, deposed), store, settings, inSync),
        "source-" + (++children), DispatcherSelector.blocking());
    ctx.getLog().info("This node masters '{}' in epoch {} from position {}", group, masterEpoch,
        store.confirmedPosition());
    promote.replyTo().tell(new ReplicaController.Promoted(group, replicaId, masterEpoch));
    return Behaviors.same();
  }

  /** Stops mastering: no write is taken from now on; then follows whichever master is ACTIVE. */
  private void demote(String why) {
    store.setRole(StoreRole.REPLICA);
    ctx.getLog().warn("This node no longer masters '{}' (was epoch {}): {}", group, masterEpoch, why);
    masterEpoch = 0;
    if (source != null) {
      ctx.stop(source);
      source = null;
    }
    // no replica confirms to a deposed master any more: its pending sync writes end now, outcome
    // unknown (the new master may hold them; a resend under the same id is deduplicated there)
    store.commits().demoted();
    follow();
    publish();
  }

  private static String describe(GroupState state) {
    return state.status() + " master '" + state.master() + "' in epoch " + state.epoch();
  }

  /** A replica without a fetcher shows up on /cluster/replication too (the fetcher publishes otherwise). */
  private void publish() {
    if (fetcher == null && source == null) {
      ReplicationStatus.get(ctx.getSystem()).publish(new ReplicationStatus.GroupView(group, false, store, "",
          store.confirmedPosition(), List.of()));
    }
  }
}
