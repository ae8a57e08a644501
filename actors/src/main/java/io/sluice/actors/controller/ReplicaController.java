package io.sluice.actors.controller;

import io.sluice.actors.LocalOnly;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.GCounter;
import org.apache.pekko.cluster.ddata.GCounterKey;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica controller (shared/CLUSTER.md 4.6): the cluster singleton that decides, per broker
 * group, which replica is master in which epoch, the in-sync set, and whether the group is {@code
 * ACTIVE}, {@code PROMOTING} or {@code OFFLINE}. Its state ({@link GroupState} per group) lives in
 * Distributed Data, not durable: every decision is written to a majority before it is acted on or
 * answered, and a controller that starts (first start, after its node left, after a failed write)
 * reads a majority and majority-writes term + 1 before it decides anything, so a controller on a
 * minority side can decide nothing and a later controller's decisions win every merge.
 *
 * <p>Replicas (the master too) send {@link Report}s periodically; what they report is held in
 * memory only (a new controller learns it again from the next reports). Elections: when a group's
 * master leaves the cluster ({@code MemberRemoved}, or found gone when the controller starts), on
 * {@link SwitchMaster} (to the replica it names, if any), and when a replica reports to an {@code OFFLINE} group. The candidates are
 * the in-sync members (the old master excluded) that reported, are up and reachable, and did not
 * start unclean; the highest (last epoch, end position) wins, then the configured order, then the
 * id ({@link Election}). The decision {master = S, epoch + 1, in-sync minus the old master,
 * PROMOTING} is written, then S's {@link PromotionHook} is told; S's {@link Promoted} makes the group
 * {@code ACTIVE}. No candidate: {@code OFFLINE}, keeping the in-sync set, so that any member of it
 * that reports back clean is elected. Last resort (KIP-966's unclean recovery): once every member
 * of the in-sync set reported from a live node but all of them started unclean, the one with the
 * most log is elected (logged at WARN): each held every acknowledged write when it stopped, an
 * unclean stop can only have cut an unflushed tail, and no copy anywhere can hold more; the same
 * at a cold start once every replica reported unclean. {@link ForceUncleanMaster} elects any reported live replica,
 * audited at WARN with the operator's reason.
 *
 * <p>Cold start (no state for a group: the first deployment, or every node restarted since the
 * state is not durable): the controller elects only once every replica in the group's configured
 * list ({@link Report#replicas}) has reported; the in-sync set is then the replicas whose (epoch,
 * end) equal the chosen one's, since only they surely hold the same log. Never by a timeout: a
 * replica that does not come back leaves the group without a master until an operator forces one.
 */
public final class ReplicaController {
  private static final Logger log = LoggerFactory.getLogger(ReplicaController.class);

  /** The controller's state: one decision per broker group (not durable). */
  public static final Key<LWWMap<String, GroupState>> STATE_KEY = LWWMapKey.create("sluice-replica-controller");

  /** The controller term: each controller that starts adds one. */
  public static final Key<GCounter> TERM_KEY = GCounterKey.create("sluice-replica-controller-term");

  public sealed interface Command {}

  /** What a decision request gets. */
  public sealed interface Decision {}

  /**
   * A replica's periodic report of its log for one group; the master reports too.
   *
   * @param epoch the last epoch in its log
   * @param cleanStart false after a restart that truncated a torn tail or followed an unclean stop
   *     with async flushing: not eligible until it has caught up (and reports true again)
   * @param replicas the group's configured replica ids, the configured master first
   * @param hook where this replica is told to promote; its node is the replica's node
   */
  public record Report(String group, String replicaId, long epoch, long endPosition, boolean cleanStart,
      List<String> replicas, ActorRef<PromotionHook.Promote> hook) implements Command {
    public Report {
      replicas = List.copyOf(replicas);
    }
  }

  /**
   * A master's request to shrink or expand its in-sync set; refused unless {@code master} and
   * {@code epoch} are the group's current ones (fenced) and it is {@code ACTIVE}. The master uses the
   * new set only after {@link Accepted}.
   */
  public record ChangeInSync(String group, String master, long epoch, Set<String> inSync, ActorRef<Decision> replyTo)
      implements Command {
    public ChangeInSync {
      inSync = Set.copyOf(inSync);
    }
  }

  /**
   * A planned switch of an {@code ACTIVE} group's master to in-sync replica {@code target} (the
   * master's node waited until it holds the whole log), or to the best other in-sync replica when
   * {@code target} is empty.
   */
  public record SwitchMaster(String group, String target, ActorRef<Decision> replyTo) implements Command {}

  /** An operator's unclean election of {@code replicaId} (any reported live replica), audited with {@code reason}. */
  public record ForceUncleanMaster(String group, String replicaId, String reason, ActorRef<Decision> replyTo)
      implements Command {}

  /** The chosen replica's answer to {@link PromotionHook.Promote}: it serves as master in {@code epoch}. */
  public record Promoted(String group, String replicaId, long epoch) implements Command {}

  public record GetStates(ActorRef<States> replyTo) implements Command {}

  /** The controller's term and its decisions, by group. */
  public record States(long term, Map<String, GroupState> byGroup) {
    public States {
      byGroup = Map.copyOf(byGroup);
    }
  }

  /** The decision was written to a majority. */
  public record Accepted(GroupState state) implements Decision {}

  /** The request was refused (fenced, no candidate) or no majority confirmed it in time (outcome unknown). */
  public record Refused(String reason) implements Decision {}

  private record StateRead(Replicator.GetResponse<LWWMap<String, GroupState>> response) implements Command, LocalOnly {}

  private record TermRead(Replicator.GetResponse<GCounter> response) implements Command, LocalOnly {}

  private record TermWritten(Replicator.UpdateResponse<GCounter> response, long term) implements Command, LocalOnly {}

  private record StateChanged(Replicator.SubscribeResponse<LWWMap<String, GroupState>> response)
      implements Command, LocalOnly {}

  private record Written(Replicator.UpdateResponse<LWWMap<String, GroupState>> response, GroupState state,
      Consumer<Boolean> after) implements Command, LocalOnly {}

  private record MemberRemoved(Member member) implements Command, LocalOnly {}

  /**
   * Starts the singleton on this node (any node may run it) and returns its proxy. Every node calls
   * it: it also starts the node's Distributed Data replicator, which holds a copy of the state and
   * counts toward the majorities (a node without one answers no read or write).
   */
  public static ActorRef<Command> init(ActorSystem<?> system) {
    DistributedData.get(system);
    ControllerSettings settings = ControllerSettings.fromConfig(system.settings().config());
    return ClusterSingleton.get(system).init(SingletonActor.of(create(settings), "replica-controller"));
  }

  /**
   * The controller; a failed start or a decision no majority confirmed restarts it (after {@code
   * retry-interval}), and a restart reads a majority and takes a new term again.
   */
  public static Behavior<Command> create(ControllerSettings settings) {
    Behavior<Command> controller = Behaviors.setup(ctx -> Behaviors.withStash(settings.stashCapacity(),
        stash -> DistributedData.<Command, LWWMap<String, GroupState>>withReplicatorMessageAdapter(
            states -> DistributedData.<Command, GCounter>withReplicatorMessageAdapter(
                terms -> new ReplicaController(ctx, stash, states, terms, settings).starting()))));
    return Behaviors.supervise(controller).onFailure(SupervisorStrategy.restartWithBackoff(
        settings.retryInterval(), settings.retryInterval().multipliedBy(10), 0.2));
  }

  private final ActorContext<Command> ctx;
  private final StashBuffer<Command> stash;
  private final ReplicatorMessageAdapter<Command, LWWMap<String, GroupState>> statesReplicator;
  private final ReplicatorMessageAdapter<Command, GCounter> termReplicator;
  private final ControllerSettings settings;
  private final SelfUniqueAddress self;
  private final Cluster cluster;
  private final Map<String, GroupState> states = new HashMap<>();
  // group -> replica id -> its last report
  private final Map<String, Map<String, Report>> reports = new HashMap<>();
  // "group@epoch" told to promote by this controller
  private final Set<String> promoteSent = new HashSet<>();
  private long readTerm = -1;
  private boolean stateRead;
  private long term;

  private ReplicaController(ActorContext<Command> ctx, StashBuffer<Command> stash,
      ReplicatorMessageAdapter<Command, LWWMap<String, GroupState>> statesReplicator,
      ReplicatorMessageAdapter<Command, GCounter> termReplicator, ControllerSettings settings) {
    this.ctx = ctx;
    this.stash = stash;
    this.statesReplicator = statesReplicator;
    this.termReplicator = termReplicator;
    this.settings = settings;
    this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
    this.cluster = Cluster.get(ctx.getSystem());
    statesReplicator.subscribe(STATE_KEY, StateChanged::new);
    cluster.subscriptions().tell(Subscribe.create(
        ctx.messageAdapter(ClusterEvent.MemberRemoved.class, removed -> new MemberRemoved(removed.member())),
        ClusterEvent.MemberRemoved.class));
  }

  // ---- start: read a majority, then take term + 1 ----

  private Behavior<Command> starting() {
    statesReplicator.askGet(r -> new Replicator.Get<>(STATE_KEY, new Replicator.ReadMajority(settings.readTimeout()), r),
        StateRead::new);
    termReplicator.askGet(r -> new Replicator.Get<>(TERM_KEY, new Replicator.ReadMajority(settings.readTimeout()), r),
        TermRead::new);
    return Behaviors.receive(Command.class)
        .onMessage(StateRead.class, this::onStateRead)
        .onMessage(TermRead.class, this::onTermRead)
        .onMessage(TermWritten.class, this::onTermWritten)
        .onMessage(StateChanged.class, this::onStateChanged)
        .onAnyMessage(this::stashIt)
        .build();
  }

  private Behavior<Command> onStateRead(StateRead read) {
    if (read.response() instanceof Replicator.GetSuccess<LWWMap<String, GroupState>> success) {
      merge(success.get(STATE_KEY).getEntries());
    } else if (!(read.response() instanceof Replicator.NotFound)) {
      throw new IllegalStateException("no majority answered the state read: " + read.response());
    }
    stateRead = true;
    return takeTermWhenRead();
  }

  private Behavior<Command> onTermRead(TermRead read) {
    if (read.response() instanceof Replicator.GetSuccess<GCounter> success) {
      readTerm = success.get(TERM_KEY).getValue().longValue();
    } else if (read.response() instanceof Replicator.NotFound) {
      readTerm = 0;
    } else {
      throw new IllegalStateException("no majority answered the term read: " + read.response());
    }
    return takeTermWhenRead();
  }

  private Behavior<Command> takeTermWhenRead() {
    if (stateRead && readTerm >= 0) {
      long next = readTerm + 1;
      termReplicator.askUpdate(r -> new Replicator.Update<>(TERM_KEY, GCounter.empty(),
              new Replicator.WriteMajority(settings.writeTimeout()), r, counter -> counter.increment(self, 1)),
          response -> new TermWritten(response, next));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onTermWritten(TermWritten written) {
    if (!(written.response() instanceof Replicator.UpdateSuccess)) {
      throw new IllegalStateException("no majority confirmed term " + written.term() + ": " + written.response());
    }
    term = written.term();
    ctx.getLog().info("Replica controller: term {}, {} groups known", term, states.size());
    return next();
  }

  /**
   * Elects for a group whose master is no member (it left while no controller ran, this one's
   * node say, or while a decision was being written), one decision at a time; then serves.
   */
  private Behavior<Command> next() {
    for (GroupState state : List.copyOf(states.values())) {
      if (state.status() != GroupState.Status.OFFLINE && !isMember(state.masterAddress())) {
        return elect(state.group(), state.master(), "its master " + state.master() + " is gone", d -> {});
      }
    }
    return stash.unstashAll(ready());
  }

  // ---- ready: one decision at a time ----

  private Behavior<Command> ready() {
    return Behaviors.receive(Command.class)
        .onMessage(Report.class, this::onReport)
        .onMessage(ChangeInSync.class, this::onChangeInSync)
        .onMessage(SwitchMaster.class, this::onSwitchMaster)
        .onMessage(ForceUncleanMaster.class, this::onForceUncleanMaster)
        .onMessage(Promoted.class, this::onPromoted)
        .onMessage(GetStates.class, this::onGetStates)
        .onMessage(MemberRemoved.class, this::onMemberRemoved)
        .onMessage(StateChanged.class, this::onStateChanged)
        .build();
  }

  private Behavior<Command> onGetStates(GetStates get) {
    get.replyTo().tell(new States(term, states));
    return Behaviors.same();
  }

  private Behavior<Command> onReport(Report report) {
    reports.computeIfAbsent(report.group(), g -> new HashMap<>()).put(report.replicaId(), report);
    GroupState state = states.get(report.group());
    if (state == null) {
      return coldStart(report);
    }
    // only an eligible reporter starts an election, so periodic reports to an offline group write nothing
    if (state.status() == GroupState.Status.OFFLINE && state.inSync().contains(report.replicaId())
        && (report.cleanStart() || !lastResort(report.group(), state.inSync()).isEmpty())) {
      return elect(report.group(), "", "an in-sync replica " + report.replicaId() + " reported", d -> {});
    }
    if (state.status() == GroupState.Status.PROMOTING && state.master().equals(report.replicaId())) {
      // a controller that took over a promoting group re-sends the promotion (idempotent for the hook)
      tellPromote(state, report.hook());
    }
    return Behaviors.same();
  }

  private Behavior<Command> coldStart(Report report) {
    Map<String, Report> reported = reports.get(report.group());
    if (!reported.keySet().containsAll(report.replicas())) {
      return Behaviors.same();
    }
    List<Election.Candidate> candidates = candidates(report.group(), reported.keySet(), "");
    if (candidates.isEmpty()) {
      candidates = lastResort(report.group(), reported.keySet());
      if (!candidates.isEmpty()) {
        ctx.getLog().warn("Replica controller: every replica of group {} reported, all started unclean: electing "
            + "the most log among them (an unflushed tail lost by a machine crash is lost)", report.group());
      }
    }
    Optional<Election.Candidate> chosen = Election.choose(candidates);
    if (chosen.isEmpty()) {
      return Behaviors.same();
    }
    Election.Candidate master = chosen.get();
    Set<String> inSync = new HashSet<>();
    long highestEpoch = 0;
    for (Report r : reported.values()) {
      highestEpoch = Math.max(highestEpoch, r.epoch());
    }
    for (Election.Candidate c : candidates) {
      if (c.epoch() == master.epoch() && c.endPosition() == master.endPosition()) {
        inSync.add(c.replicaId());
      }
    }
    GroupState next = stamp(new GroupState(report.group(), master.replicaId(), master.address(), highestEpoch + 1,
        inSync, GroupState.Status.PROMOTING, term, 0));
    ctx.getLog().info("Replica controller: cold start of group {}: every replica reported; {} elected (epoch {}, end {})",
        report.group(), master.replicaId(), master.epoch(), master.endPosition());
    return decide(next, confirmed -> {
      if (confirmed) {
        tellPromote(next, reported.get(master.replicaId()).hook());
      }
    });
  }

  private Behavior<Command> onChangeInSync(ChangeInSync change) {
    GroupState state = states.get(change.group());
    String refusal = null;
    if (state == null || state.status() != GroupState.Status.ACTIVE) {
      refusal = "group " + change.group() + " is not active";
    } else if (!state.master().equals(change.master()) || state.epoch() != change.epoch()) {
      refusal = "fenced: " + change.master() + " in epoch " + change.epoch() + " is not the master of "
          + change.group() + " (" + state.master() + " in epoch " + state.epoch() + ")";
    } else if (!change.inSync().contains(change.master())) {
      refusal = "the in-sync set must hold the master";
    }
    if (refusal != null) {
      change.replyTo().tell(new Refused(refusal));
      return Behaviors.same();
    }
    GroupState next = stamp(state.withInSync(change.inSync()));
    ctx.getLog().info("Replica controller: group {} in-sync set {} -> {} (epoch {})",
        change.group(), state.inSync(), change.inSync(), state.epoch());
    return decide(next, confirmed -> change.replyTo().tell(answer(confirmed, next)));
  }

  private Behavior<Command> onSwitchMaster(SwitchMaster switchMaster) {
    GroupState state = states.get(switchMaster.group());
    if (state == null || state.status() != GroupState.Status.ACTIVE) {
      switchMaster.replyTo().tell(new Refused("group " + switchMaster.group() + " is not active"));
      return Behaviors.same();
    }
    String target = switchMaster.target();
    if (Election.choose(candidates(state.group(), state.inSync(), state.master(), target)).isEmpty()) {
      switchMaster.replyTo().tell(new Refused(target.isEmpty()
          ? "no other in-sync replica of " + state.group() + " is eligible"
          : target + " is no eligible in-sync replica of " + state.group() + " (reported, up, clean start)"));
      return Behaviors.same();
    }
    return elect(state.group(), state.master(), target, "planned switch", switchMaster.replyTo()::tell);
  }

  private Behavior<Command> onForceUncleanMaster(ForceUncleanMaster force) {
    Report report = reports.getOrDefault(force.group(), Map.of()).get(force.replicaId());
    if (report == null || !isUp(addressOf(report.hook()))) {
      force.replyTo().tell(new Refused(force.replicaId() + " has not reported for " + force.group() + " or is not up"));
      return Behaviors.same();
    }
    GroupState state = states.get(force.group());
    long epoch = Math.max(state == null ? 0 : state.epoch(), report.epoch()) + 1;
    GroupState next = stamp(new GroupState(force.group(), force.replicaId(), addressOf(report.hook()), epoch,
        Set.of(force.replicaId()), GroupState.Status.PROMOTING, term, 0));
    log.warn("AUDIT forced unclean master: group {} -> {} in epoch {} (was {}); records only the old in-sync set held "
            + "may be lost; operator's reason: {}",
        force.group(), force.replicaId(), epoch, state == null ? "no state" : state, force.reason());
    return decide(next, confirmed -> {
      if (confirmed) {
        tellPromote(next, report.hook());
      }
      force.replyTo().tell(answer(confirmed, next));
    });
  }

  private Behavior<Command> onPromoted(Promoted promoted) {
    GroupState state = states.get(promoted.group());
    if (state == null || state.status() != GroupState.Status.PROMOTING
        || !state.master().equals(promoted.replicaId()) || state.epoch() != promoted.epoch()) {
      return Behaviors.same();
    }
    ctx.getLog().info("Replica controller: group {} active on {} in epoch {}", state.group(), state.master(),
        state.epoch());
    return decide(stamp(state.withStatus(GroupState.Status.ACTIVE)), confirmed -> {});
  }

  private Behavior<Command> onMemberRemoved(MemberRemoved removed) {
    String address = removed.member().address().toString();
    // a new incarnation of that node must report again (it may have restarted unclean or truncated)
    for (Map<String, Report> byReplica : reports.values()) {
      byReplica.values().removeIf(report -> addressOf(report.hook()).equals(address));
    }
    for (GroupState state : List.copyOf(states.values())) {
      if (state.status() != GroupState.Status.OFFLINE && state.masterAddress().equals(address)) {
        return elect(state.group(), state.master(), "its master " + state.master() + " left the cluster", d -> {});
      }
    }
    return Behaviors.same();
  }

  // ---- elections ----

  /**
   * Elects among {@code group}'s eligible in-sync replicas other than {@code excluded} (the old
   * master, or "" for none) and writes the decision; {@code OFFLINE} when none is eligible.
   */
  private Behavior<Command> elect(String group, String excluded, String why, Consumer<Decision> answer) {
    return elect(group, excluded, "", why, answer);
  }

  /** {@link #elect}, only {@code target} eligible unless it is empty. */
  private Behavior<Command> elect(String group, String excluded, String target, String why, Consumer<Decision> answer) {
    GroupState state = states.get(group);
    Optional<Election.Candidate> chosen = Election.choose(candidates(group, state.inSync(), excluded, target));
    if (chosen.isEmpty() && target.isEmpty()) {
      chosen = Election.choose(lastResort(group, state.inSync()));
      chosen.ifPresent(c -> ctx.getLog().warn("Replica controller: every in-sync replica of group {} ({}) reported "
          + "and all started unclean: electing the one with the most log, {} (an unflushed tail lost by a machine "
          + "crash is lost)", group, state.inSync(), c.replicaId()));
    }
    if (chosen.isEmpty()) {
      GroupState offline = stamp(new GroupState(group, "", "", state.epoch(), state.inSync(),
          GroupState.Status.OFFLINE, term, 0));
      ctx.getLog().warn("Replica controller: group {} OFFLINE ({}): no live, clean in-sync replica among {}",
          group, why, state.inSync());
      return decide(offline, confirmed -> answer.accept(new Refused("no eligible replica: group " + group + " is offline")));
    }
    Election.Candidate master = chosen.get();
    Set<String> inSync = new HashSet<>(state.inSync());
    inSync.remove(excluded);
    GroupState next = stamp(new GroupState(group, master.replicaId(), master.address(), state.epoch() + 1, inSync,
        GroupState.Status.PROMOTING, term, 0));
    ctx.getLog().info("Replica controller: group {} elects {} in epoch {} ({}; it reported epoch {}, end {})",
        group, master.replicaId(), next.epoch(), why, master.epoch(), master.endPosition());
    return decide(next, confirmed -> {
      if (confirmed) {
        tellPromote(next, reports.get(group).get(master.replicaId()).hook());
      }
      answer.accept(answer(confirmed, next));
    });
  }

  /** Replicas of {@code among} except {@code excluded} that reported, are up and reachable, and started clean. */
  private List<Election.Candidate> candidates(String group, Set<String> among, String excluded) {
    return candidates(group, among, excluded, "");
  }

  /** {@link #candidates}, only {@code target} unless it is empty. */
  private List<Election.Candidate> candidates(String group, Set<String> among, String excluded, String target) {
    return reported(group, among, excluded, target, true);
  }

  /** Every member of {@code among}, clean or not, if each reported from a live node; else none. */
  private List<Election.Candidate> lastResort(String group, Set<String> among) {
    List<Election.Candidate> all = reported(group, among, "", "", false);
    return all.size() == among.size() ? all : List.of();
  }

  private List<Election.Candidate> reported(String group, Set<String> among, String excluded, String target,
      boolean cleanOnly) {
    List<Election.Candidate> candidates = new ArrayList<>();
    for (Report report : reports.getOrDefault(group, Map.of()).values()) {
      String address = addressOf(report.hook());
      if (among.contains(report.replicaId()) && !report.replicaId().equals(excluded)
          && (report.cleanStart() || !cleanOnly)
          && isUp(address) && (target.isEmpty() || report.replicaId().equals(target))) {
        int priority = report.replicas().indexOf(report.replicaId());
        candidates.add(new Election.Candidate(report.replicaId(), address, report.epoch(), report.endPosition(),
            priority < 0 ? Integer.MAX_VALUE : priority));
      }
    }
    return candidates;
  }

  private void tellPromote(GroupState state, ActorRef<PromotionHook.Promote> hook) {
    if (promoteSent.add(state.group() + "@" + state.epoch())) {
      hook.tell(new PromotionHook.Promote(state.group(), state.epoch(), state.inSync(), ctx.getSelf()));
    }
  }

  // ---- writing a decision ----

  /** {@code state} as this controller's next decision: its term, and a version above every one seen. */
  private GroupState stamp(GroupState state) {
    long version = 0;
    for (GroupState s : states.values()) {
      version = Math.max(version, s.version());
    }
    return state.decided(term, version + 1);
  }

  /**
   * Writes {@code decided} (made by {@link #stamp}) to a majority; then {@code after} is told
   * whether it was confirmed, and an unconfirmed decision restarts the controller.
   */
  private Behavior<Command> decide(GroupState decided, Consumer<Boolean> after) {
    LWWRegister.Clock<GroupState> byClock = (current, value) -> value.clock();
    statesReplicator.askUpdate(r -> new Replicator.Update<>(STATE_KEY, LWWMap.empty(),
            new Replicator.WriteMajority(settings.writeTimeout()), r,
            map -> map.put(self, decided.group(), decided, byClock)),
        response -> new Written(response, decided, after));
    return Behaviors.receive(Command.class)
        .onMessage(Written.class, this::onWritten)
        .onMessage(StateChanged.class, this::onStateChanged)
        .onAnyMessage(this::stashIt)
        .build();
  }

  private Behavior<Command> onWritten(Written written) {
    boolean confirmed = written.response() instanceof Replicator.UpdateSuccess;
    written.after().accept(confirmed);
    if (!confirmed) {
      throw new IllegalStateException("no majority confirmed " + written.state() + ": " + written.response());
    }
    states.put(written.state().group(), written.state());
    return next();
  }

  private static Decision answer(boolean confirmed, GroupState state) {
    return confirmed ? new Accepted(state) : new Refused("no majority confirmed the decision in time: outcome unknown");
  }

  private Behavior<Command> onStateChanged(StateChanged changed) {
    if (changed.response() instanceof Replicator.Changed<LWWMap<String, GroupState>> c) {
      merge(c.get(STATE_KEY).getEntries());
    }
    return Behaviors.same();
  }

  private void merge(Map<String, GroupState> incoming) {
    incoming.forEach((group, state) -> states.merge(group, state, (mine, theirs) -> theirs.isNewerThan(mine) ? theirs : mine));
  }

  private Behavior<Command> stashIt(Command command) {
    if (stash.isFull()) {
      ctx.getLog().warn("Replica controller: {} commands wait already; dropped {}", settings.stashCapacity(), command);
    } else {
      stash.stash(command);
    }
    return Behaviors.same();
  }

  // ---- membership ----

  /** The node address of {@code ref}: a local ref's is this node's. */
  private String addressOf(ActorRef<?> ref) {
    Address address = ref.path().address();
    return (address.hasLocalScope() ? cluster.selfMember().address() : address).toString();
  }

  private boolean isMember(String address) {
    for (Member member : cluster.state().getMembers()) {
      if (member.address().toString().equals(address) && member.status() != MemberStatus.removed()) {
        return true;
      }
    }
    return false;
  }

  private boolean isUp(String address) {
    for (Member member : cluster.state().getMembers()) {
      if (member.address().toString().equals(address)) {
        return (member.status() == MemberStatus.up() || member.status() == MemberStatus.weaklyUp())
            && !cluster.state().getUnreachable().contains(member);
      }
    }
    return false;
  }
}
