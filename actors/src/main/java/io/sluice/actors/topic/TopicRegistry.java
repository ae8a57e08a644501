package io.sluice.actors.topic;

import io.sluice.actors.CborSerializable;
import io.sluice.actors.LocalOnly;
import io.sluice.actors.controller.GroupMasters;
import io.sluice.actors.placement.PlaceableGroups;
import io.sluice.actors.placement.QueuePlacement;
import io.sluice.actors.registry.RegistryMaps;
import io.sluice.actors.registry.RegistrySettings;
import io.sluice.actors.registry.ReplicatedRegistry;
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
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * Every topic of the cluster. The state lives in Distributed Data ({@link #KEY}: a durable
 * {@link LWWMap} of {@link TopicEntry} by name, see {@link RegistryMaps}), so it survives the loss
 * of any minority of nodes and a restart of all of them, and every node reads it locally
 * ({@link TopicCatalogFeed}). This cluster singleton is its only writer: it validates each change
 * (TOPIC_EXISTS, TOPIC_NOT_FOUND, queue count only grows, message type fixed, incarnations), places
 * new queues in the broker groups that can serve them now ({@link PlaceableGroups}, {@link
 * QueuePlacement}) and writes the change to a majority of nodes, one change at a time. When it
 * starts (on the oldest node, also after a handover) it reads a majority first; commands wait
 * meanwhile ({@link ReplicatedRegistry} does the reading and writing).
 *
 * <p>A change that a majority did not confirm within {@code sluice.registry.write-timeout} is
 * answered {@link OutcomeUnknown}: this node holds it and it may still spread.
 */
public final class TopicRegistry implements ReplicatedRegistry.Part<TopicRegistry.Command> {

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

  /** The registry machinery's message to itself. */
  private record Internal(ReplicatedRegistry.Signal<TopicEntry> signal) implements Command, LocalOnly {}

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
    return ReplicatedRegistry.create(KEY, "Topic registry", settings, Internal.class, Internal::new, Internal::signal,
        TopicRegistry::new);
  }

  private final ReplicatedRegistry<Command, Internal, TopicEntry> registry;

  private TopicRegistry(ReplicatedRegistry<Command, Internal, TopicEntry> registry) {
    this.registry = registry;
  }

  @Override
  public void loaded() {
    registry.context().getLog().info("Topic registry ready with {} topics", topics().byName().size());
  }

  @Override
  public Behavior<Command> ready() {
    return registry.receive()
        .onMessage(GetTopics.class, cmd -> {
          cmd.replyTo().tell(topics());
          return Behaviors.same();
        })
        .onMessage(CreateTopic.class, cmd -> onCreate(cmd.topic(), false, cmd.replyTo()))
        .onMessage(EnsureTopic.class, cmd -> onCreate(cmd.topic(), true, cmd.replyTo()))
        .onMessage(UpdateTopic.class, this::onUpdate)
        .onMessage(DeleteTopic.class, this::onDelete)
        .onMessage(ImportTopics.class, this::onImport)
        .build();
  }

  private Topics topics() {
    return Topics.of(registry.entries());
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
    return write(Map.of(topic.name(), new TopicEntry(topic, incarnation, registry.nextVersion())), replyTo);
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
    return write(Map.of(topic.name(), new TopicEntry(topic, old.incarnation(), registry.nextVersion())),
        cmd.replyTo());
  }

  private Behavior<Command> onDelete(DeleteTopic cmd) {
    var existing = topics().get(cmd.name());
    if (existing.isEmpty()) {
      return reject(cmd.replyTo(), Reason.TOPIC_NOT_FOUND, "topic '" + cmd.name() + "' does not exist");
    }
    return write(Map.of(cmd.name(), new TopicEntry(null, existing.get().incarnation(), registry.nextVersion())),
        cmd.replyTo());
  }

  private Behavior<Command> onImport(ImportTopics cmd) {
    long version = registry.nextVersion();
    Map<String, TopicEntry> changes = new HashMap<>();
    cmd.legacy().lastIncarnations().forEach((name, incarnation) -> {
      if (!registry.entries().containsKey(name)) {
        changes.put(name, new TopicEntry(null, incarnation, version));
      }
    });
    cmd.legacy().byName().forEach((name, topic) -> {
      if (!registry.entries().containsKey(name)) {
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
    registry.context().getLog().info("Topic registry: importing {} names from a node's journal", changes.size());
    return write(changes, cmd.replyTo());
  }

  private List<String> place(Topics topics, List<String> placed, int existingQueues, int queueCount) {
    ActorSystem<?> system = registry.context().getSystem();
    Set<String> groups = PlaceableGroups.of(Cluster.get(system).state(), GroupMasters.get(system));
    List<List<String>> all = new ArrayList<>();
    topics.byName().values().forEach(t -> all.add(t.queueGroups()));
    return QueuePlacement.place(placed, existingQueues, queueCount, groups, all);
  }

  private Behavior<Command> reject(ActorRef<Change> replyTo, Reason reason, String message) {
    replyTo.tell(new Rejected(reason, message));
    return Behaviors.same();
  }

  private Behavior<Command> write(Map<String, TopicEntry> changes, ActorRef<Change> replyTo) {
    return registry.write(changes, confirmed -> replyTo.tell(confirmed ? new Changed(topics())
        : new OutcomeUnknown("the topic registry could not store the change on a majority of nodes within "
            + registry.settings().writeTimeout() + "; the outcome is unknown (it may still take effect): "
            + "read the topic before retrying")));
  }
}
