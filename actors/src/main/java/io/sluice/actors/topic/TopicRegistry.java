package io.sluice.actors.topic;

import io.sluice.actors.CborSerializable;
import io.sluice.actors.placement.BrokerGroups;
import io.sluice.actors.placement.QueuePlacement;
import io.sluice.actors.registry.RegistryMaps;
import io.sluice.actors.registry.RegistrySettings;
import io.sluice.protocol.v1.Reason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * Every topic of the cluster. The state lives in Distributed Data ({@link #KEY}: a durable
 * {@link LWWMap} of {@link TopicEntry} by name, see {@link RegistryMaps}), so it survives the loss
 * of any minority of nodes and a restart of all of them, and every node reads it locally
 * ({@link TopicCatalogFeed}). This cluster singleton is its only writer: it validates each change
 * (TOPIC_EXISTS, TOPIC_NOT_FOUND, queue count only grows, message type fixed, incarnations), places
 * new queues in broker groups ({@link QueuePlacement}) and writes the change to a majority of nodes,
 * one change at a time. When it starts (on the oldest node, also after a handover) it reads a
 * majority first; commands wait meanwhile.
 *
 * <p>A change that a majority did not confirm within {@code sluice.registry.write-timeout} is
 * answered {@link OutcomeUnknown}: this node holds it and it may still spread.
 */
public final class TopicRegistry {

  public sealed interface Command extends CborSerializable {}

  public record CreateTopic(TopicConfig topic, ActorRef<Change> replyTo) implements Command {}

  /** Creates the topic unless its name exists; either way the reply holds the topic (dead-letter topics). */
  public record EnsureTopic(TopicConfig topic, ActorRef<Change> replyTo) implements Command {}

  public record UpdateTopic(TopicConfig topic, ActorRef<Change> replyTo) implements Command {}

  public record DeleteTopic(String name, ActorRef<Change> replyTo) implements Command {}

  public record GetTopics(ActorRef<Topics> replyTo) implements Command {}

  /**
   * Adds what a node's journal-based registry (before Distributed Data) knew and this one does not:
   * topics and deleted names by name. Queues without a broker group go to {@code brokerGroup}, the
   * importing node's (their data is there); none when it is empty.
   */
  public record ImportTopics(Topics legacy, String brokerGroup, ActorRef<Change> replyTo) implements Command {}

  private record Loaded(Replicator.GetResponse<LWWMap<String, TopicEntry>> response) implements Command {}

  private record Written(Replicator.UpdateResponse<LWWMap<String, TopicEntry>> response, ActorRef<Change> replyTo)
      implements Command {}

  private record Merged(Replicator.SubscribeResponse<LWWMap<String, TopicEntry>> response) implements Command {}

  private enum Reload implements Command {
    INSTANCE
  }

  /** Reply to a change: the new snapshot, or why nothing changed, or that it is not known. */
  public sealed interface Change extends CborSerializable {}

  public record Changed(Topics topics) implements Change {}

  public record Rejected(Reason reason, String message) implements Change {}

  /** A majority did not confirm the write in time: it may or may not take effect (read before retrying). */
  public record OutcomeUnknown(String message) implements Change {}

  /** Events of the journal-based registry (before Distributed Data), read once by {@link TopicJournal}. */
  public sealed interface Event extends CborSerializable {}

  public record TopicCreated(TopicConfig topic) implements Event {}

  public record TopicUpdated(TopicConfig topic) implements Event {}

  public record TopicDeleted(String name) implements Event {}

  /** Written to the old journal once its topics are in Distributed Data, so they are imported once. */
  public record TopicsImported() implements Event {}

  /** The replicated topics (a durable key: {@code pekko.cluster.distributed-data.durable.keys}). */
  public static final Key<LWWMap<String, TopicEntry>> KEY = LWWMapKey.create("sluice-topics");

  /** Starts (or joins) the singleton and returns its proxy. */
  public static ActorRef<Command> init(ActorSystem<?> system) {
    RegistrySettings settings = RegistrySettings.fromConfig(system.settings().config());
    return ClusterSingleton.get(system).init(SingletonActor.of(create(settings), "topic-registry"));
  }

  public static Behavior<Command> create(RegistrySettings settings) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> Behaviors.withStash(settings.stashCapacity(),
        stash -> DistributedData.<Command, LWWMap<String, TopicEntry>>withReplicatorMessageAdapter(
            replicator -> new TopicRegistry(ctx, timers, stash, replicator, settings).loading()))));
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final ReplicatorMessageAdapter<Command, LWWMap<String, TopicEntry>> replicator;
  private final RegistrySettings settings;
  private final SelfUniqueAddress self;
  private Map<String, TopicEntry> entries = Map.of();

  private TopicRegistry(ActorContext<Command> ctx, TimerScheduler<Command> timers, StashBuffer<Command> stash,
      ReplicatorMessageAdapter<Command, LWWMap<String, TopicEntry>> replicator, RegistrySettings settings) {
    this.ctx = ctx;
    this.timers = timers;
    this.stash = stash;
    this.replicator = replicator;
    this.settings = settings;
    this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
    // what other nodes wrote (a singleton before a handover) also reaches this one by gossip
    replicator.subscribe(KEY, Merged::new);
  }

  private Behavior<Command> loading() {
    replicator.askGet(
        replyTo -> new Replicator.Get<>(KEY, new Replicator.ReadMajority(settings.readTimeout()), replyTo), Loaded::new);
    return Behaviors.receive(Command.class)
        .onMessage(Loaded.class, this::onLoaded)
        .onMessage(Reload.class, reload -> loading())
        .onMessage(Merged.class, this::onMerged)
        .onAnyMessage(this::stashIt)
        .build();
  }

  private Behavior<Command> onLoaded(Loaded loaded) {
    if (loaded.response() instanceof Replicator.GetSuccess<LWWMap<String, TopicEntry>> success) {
      entries = RegistryMaps.merge(entries, success.get(KEY).getEntries());
    } else if (!(loaded.response() instanceof Replicator.NotFound)) {
      ctx.getLog().warn("Topic registry: no majority answered within {} ({}); reading again in {}",
          settings.readTimeout(), loaded.response(), settings.retryInterval());
      timers.startSingleTimer(Reload.INSTANCE, settings.retryInterval());
      return Behaviors.same();
    }
    ctx.getLog().info("Topic registry ready with {} topics", topics().byName().size());
    return stash.unstashAll(ready());
  }

  private Behavior<Command> ready() {
    return Behaviors.receive(Command.class)
        .onMessage(GetTopics.class, cmd -> {
          cmd.replyTo().tell(topics());
          return Behaviors.same();
        })
        .onMessage(CreateTopic.class, cmd -> onCreate(cmd.topic(), false, cmd.replyTo()))
        .onMessage(EnsureTopic.class, cmd -> onCreate(cmd.topic(), true, cmd.replyTo()))
        .onMessage(UpdateTopic.class, this::onUpdate)
        .onMessage(DeleteTopic.class, this::onDelete)
        .onMessage(ImportTopics.class, this::onImport)
        .onMessage(Merged.class, this::onMerged)
        .build();
  }

  private Behavior<Command> writing() {
    return Behaviors.receive(Command.class)
        .onMessage(Written.class, this::onWritten)
        .onMessage(Merged.class, this::onMerged)
        .onAnyMessage(this::stashIt)
        .build();
  }

  private Behavior<Command> stashIt(Command cmd) {
    if (stash.isFull()) {
      ctx.getLog().warn("Topic registry: {} commands wait already; dropped {}", settings.stashCapacity(), cmd);
    } else {
      stash.stash(cmd);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onMerged(Merged merged) {
    if (merged.response() instanceof Replicator.Changed<LWWMap<String, TopicEntry>> changed) {
      entries = RegistryMaps.merge(entries, changed.get(KEY).getEntries());
    }
    return Behaviors.same();
  }

  private Topics topics() {
    return Topics.of(entries);
  }

  private Behavior<Command> onCreate(TopicConfig requested, boolean existingIsFine, ActorRef<Change> replyTo) {
    Topics topics = topics();
    if (topics.get(requested.name()).isPresent()) {
      replyTo.tell(existingIsFine ? new Changed(topics)
          : new Rejected(Reason.TOPIC_EXISTS, "topic '" + requested.name() + "' exists"));
      return Behaviors.same();
    }
    // a name created again is a new incarnation: its queues start empty
    long incarnation = topics.nextIncarnation(requested.name());
    TopicConfig topic = requested.withIncarnation(incarnation)
        // groups a request names are kept (tests and in-process callers; gRPC requests name none)
        .withQueueGroups(place(topics, requested.queueGroups(), requested.queueGroups().size(), requested.queueCount()));
    return write(Map.of(topic.name(), new TopicEntry(topic, incarnation, RegistryMaps.nextVersion(entries))), replyTo);
  }

  private Behavior<Command> onUpdate(UpdateTopic cmd) {
    Topics topics = topics();
    var existing = topics.get(cmd.topic().name());
    if (existing.isEmpty()) {
      return reject(cmd.replyTo(), Reason.TOPIC_NOT_FOUND, "topic '" + cmd.topic().name() + "' does not exist");
    }
    TopicConfig old = existing.get();
    if (cmd.topic().queueCount() < old.queueCount()) {
      return reject(cmd.replyTo(), Reason.INVALID_ARGUMENT, "queue count of '" + cmd.topic().name()
          + "' can only grow (is " + old.queueCount() + ")");
    }
    if (cmd.topic().messageType() != old.messageType()) {
      return reject(cmd.replyTo(), Reason.MESSAGE_TYPE_MISMATCH,
          "message type of '" + cmd.topic().name() + "' cannot change");
    }
    TopicConfig topic = cmd.topic().withIncarnation(old.incarnation())
        .withQueueGroups(place(topics, old.queueGroups(), old.queueCount(), cmd.topic().queueCount()));
    return write(Map.of(topic.name(), new TopicEntry(topic, old.incarnation(), RegistryMaps.nextVersion(entries))),
        cmd.replyTo());
  }

  private Behavior<Command> onDelete(DeleteTopic cmd) {
    var existing = topics().get(cmd.name());
    if (existing.isEmpty()) {
      return reject(cmd.replyTo(), Reason.TOPIC_NOT_FOUND, "topic '" + cmd.name() + "' does not exist");
    }
    return write(Map.of(cmd.name(), new TopicEntry(null, existing.get().incarnation(), RegistryMaps.nextVersion(entries))),
        cmd.replyTo());
  }

  private Behavior<Command> onImport(ImportTopics cmd) {
    long version = RegistryMaps.nextVersion(entries);
    Map<String, TopicEntry> changes = new HashMap<>();
    cmd.legacy().lastIncarnations().forEach((name, incarnation) -> {
      if (!entries.containsKey(name)) {
        changes.put(name, new TopicEntry(null, incarnation, version));
      }
    });
    cmd.legacy().byName().forEach((name, topic) -> {
      if (!entries.containsKey(name)) {
        TopicConfig placed = topic.queueGroups().isEmpty() && !cmd.brokerGroup().isEmpty()
            ? topic.withQueueGroups(Collections.nCopies(topic.queueCount(), cmd.brokerGroup()))
            : topic;
        changes.put(name, new TopicEntry(placed, Math.max(topic.incarnation(),
            cmd.legacy().lastIncarnations().getOrDefault(name, 0L)), version));
      }
    });
    if (changes.isEmpty()) {
      cmd.replyTo().tell(new Changed(topics()));
      return Behaviors.same();
    }
    ctx.getLog().info("Topic registry: importing {} names from a node's journal", changes.size());
    return write(changes, cmd.replyTo());
  }

  private List<String> place(Topics topics, List<String> placed, int existingQueues, int queueCount) {
    Set<String> groups = BrokerGroups.upGroups(Cluster.get(ctx.getSystem()).state().getMembers());
    List<List<String>> all = new ArrayList<>();
    topics.byName().values().forEach(t -> all.add(t.queueGroups()));
    return QueuePlacement.place(placed, existingQueues, queueCount, groups, all);
  }

  private Behavior<Command> reject(ActorRef<Change> replyTo, Reason reason, String message) {
    replyTo.tell(new Rejected(reason, message));
    return Behaviors.same();
  }

  private Behavior<Command> write(Map<String, TopicEntry> changes, ActorRef<Change> replyTo) {
    replicator.askUpdate(
        r -> new Replicator.Update<>(KEY, LWWMap.empty(), new Replicator.WriteMajority(settings.writeTimeout()), r,
            map -> RegistryMaps.putAll(map, self, changes)),
        response -> new Written(response, replyTo));
    // the local replica holds the change from now on, whatever a majority answers
    entries = RegistryMaps.merge(entries, changes);
    return writing();
  }

  private Behavior<Command> onWritten(Written written) {
    if (written.response() instanceof Replicator.UpdateSuccess) {
      written.replyTo().tell(new Changed(topics()));
    } else {
      ctx.getLog().warn("Topic registry: a change was not confirmed by a majority: {}", written.response());
      written.replyTo().tell(new OutcomeUnknown("the topic registry could not store the change on a majority of "
          + "nodes within " + settings.writeTimeout() + "; the outcome is unknown (it may still take effect): "
          + "read the topic before retrying"));
    }
    return stash.unstashAll(ready());
  }
}
