package io.sluice.gateway;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.sluice.actors.delay.DelayTimer;
import io.sluice.actors.group.ConsumerGroupRegistry;
import io.sluice.actors.group.PolicyJournal;
import io.sluice.actors.placement.BrokerGroups;
import io.sluice.actors.topic.TopicJournal;
import io.sluice.gateway.cluster.BrokerGroupIdentity;
import io.sluice.gateway.cluster.GroupPluginConfig;
import io.sluice.gateway.cluster.GroupStores;
import io.sluice.gateway.cluster.NodeCatalog;
import io.sluice.gateway.cluster.QueueAvailability;
import io.sluice.gateway.cluster.ServedGroups;
import io.sluice.gateway.replication.NodeReplication;
import io.sluice.gateway.replication.SwitchDesk;
import io.sluice.gateway.replication.ReplicationConfig;
import io.sluice.actors.transaction.QueueTransactions;
import io.sluice.actors.transaction.TransactionSettings;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.topic.TopicCatalog;
import io.sluice.actors.topic.TopicCatalogFeed;
import io.sluice.actors.topic.TopicRegistry;
import io.sluice.actors.topic.Topics;
import io.sluice.gateway.consume.GroupQueues;
import io.sluice.gateway.delay.DelayedMessages;
import io.sluice.gateway.transaction.Transactions;
import io.sluice.gateway.deadletter.DeadLetterAdmin;
import io.sluice.gateway.consume.ReceivePath;
import io.sluice.gateway.grpc.AdminServiceImpl;
import io.sluice.gateway.query.QueriesAndOffsets;
import io.sluice.gateway.query.StoredMessages;
import io.sluice.gateway.grpc.MessagingServiceImpl;
import io.sluice.gateway.health.BrokerReadiness;
import io.sluice.gateway.inbound.InboundLimits;
import io.sluice.gateway.produce.DelayRule;
import io.sluice.gateway.produce.GroupAdmission;
import io.sluice.gateway.produce.InFlightBudget;
import io.sluice.gateway.produce.MessageValidator;
import io.sluice.gateway.produce.ProducePath;
import io.sluice.gateway.produce.QueueAppenders;
import io.sluice.gateway.produce.QueueSelector;
import io.sluice.gateway.owner.OwnedAdminCalls;
import io.sluice.gateway.owner.OwnerRouter;
import io.sluice.gateway.route.AdvertisedEndpoint;
import io.sluice.gateway.route.EndpointDirectory;
import io.sluice.gateway.route.RouteTable;
import io.sluice.protocol.v1.AdminService;
import io.sluice.protocol.v1.AdminServiceHandlerFactory;
import io.sluice.protocol.v1.MessagingService;
import io.sluice.protocol.v1.MessagingServiceHandlerFactory;
import io.sluice.protocol.v1.Reason;
import io.sluice.persistence.journal.SluiceStores;
import io.sluice.persistence.store.DirectoryLock;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.NotEnoughReplicasException;
import io.sluice.persistence.store.NotMasterException;
import io.sluice.persistence.store.ReplicationTimeoutException;
import io.sluice.persistence.store.StorageFullException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.grpc.javadsl.ServiceHandler;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Sluice node: actor system, cluster membership, topic registry and catalog, queue
 * sharding, the gRPC services and management HTTP. Without configured seed nodes it joins itself
 * and runs as a single-node broker.
 */
public final class BrokerNode {
  private static final Logger log = LoggerFactory.getLogger(BrokerNode.class);
  static final String READ_JOURNAL = "sluice.persistence.query";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

  private final ActorSystem<Void> system;
  private final ServerBinding grpcBinding;
  private final int managementPort;
  private final RouteTable routes;

  private BrokerNode(ActorSystem<Void> system, ServerBinding grpcBinding, int managementPort, RouteTable routes) {
    this.system = system;
    this.grpcBinding = grpcBinding;
    this.managementPort = managementPort;
    this.routes = routes;
  }

  /**
   * Starts a node and waits until it serves clients; on failure the actor system is terminated.
   * The data directory is locked first, for the life of the actor system.
   *
   * @throws io.sluice.persistence.store.DirectoryLockedException if another node uses the data directory
   */
  public static BrokerNode start(Config config) throws Exception {
    Path dataDir = Path.of(config.getString("sluice.data-dir"));
    DirectoryLock dataDirLock = DirectoryLock.acquire(dataDir);
    ActorSystem<Void> system;
    String brokerGroup;
    try {
      brokerGroup = BrokerGroupIdentity.resolve(config.getString("sluice.cluster.broker-group"), dataDir);
      log.info("This node serves broker group '{}' (cluster role {}, stored in {})",
          brokerGroup, BrokerGroups.roleOf(brokerGroup), dataDir.resolve(BrokerGroupIdentity.FILE_NAME));
      Config withRole = withRole(config, BrokerGroups.roleOf(brokerGroup));
      List<String> followed = ReplicationConfig.carriedGroups(withRole, brokerGroup).stream()
          .filter(group -> !group.equals(brokerGroup)).toList();
      Config nodeConfig = ReplicationConfig.apply(GroupPluginConfig.apply(withRole, brokerGroup, followed), brokerGroup);
      system = ActorSystem.create(Behaviors.empty(), "sluice", nodeConfig);
    } catch (IOException | RuntimeException | Error e) {
      dataDirLock.close();
      throw e;
    }
    // Runs before getWhenTerminated completes, so a node restarted in this JVM finds it free.
    Adapter.toClassic(system).registerOnTermination(() -> release(dataDirLock));
    try {
      return startOn(system, brokerGroup);
    } catch (Exception | Error e) {
      system.terminate();
      throw e;
    }
  }

  /** {@code config} with {@code role} added to the node's cluster roles (read when the actor system starts). */
  static Config withRole(Config config, String role) {
    List<String> roles = new ArrayList<>(config.getStringList("pekko.cluster.roles"));
    roles.add(role);
    return config.withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(roles));
  }

  private static void release(DirectoryLock lock) {
    try {
      lock.close();
    } catch (IOException e) {
      log.warn("Releasing the lock of {} failed", lock.dir(), e);
    }
  }

  private static BrokerNode startOn(ActorSystem<Void> system, String brokerGroup) throws Exception {
    GatewaySettings settings = GatewaySettings.from(system.settings().config());
    // Opened (and its directory locked) before any entity can write through the journal.
    MessageStore store = SluiceStores.get(Adapter.toClassic(system))
        .storeFor(system.settings().config().getString("pekko.persistence.journal.plugin"));
    NodeReplication.start(system, store, brokerGroup);
    SwitchDesk.start(system);
    Cluster cluster = Cluster.get(system);
    if (system.settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }

    ActorRef<TopicRegistry.Command> registry = TopicRegistry.init(system);
    TopicCatalog catalog = new TopicCatalog();
    NodeCatalog.get(system).set(catalog);
    system.systemActorOf(TopicCatalogFeed.create(catalog), "topic-catalog-feed", Props.empty());
    Queue.init(system, READ_JOURNAL, BrokerNode::writeFailureReason);
    DelayTimer.init(system, READ_JOURNAL);
    QueueTransactions.init(system, READ_JOURNAL, TransactionSettings.fromConfig(system.settings().config()));

    QueueAvailability availability = QueueAvailability.of(system);
    ServedGroups served = ServedGroups.start(system, brokerGroup);
    GroupStores stores = new GroupStores(system, brokerGroup);
    GroupQueues groups = new GroupQueues(system, catalog, settings.askTimeout(), availability);
    DelayedMessages delays = new DelayedMessages(system, catalog, settings.askTimeout(), availability);
    Transactions transactions = new Transactions(system, catalog, settings.askTimeout(), availability);
    InFlightBudget inFlight = new InFlightBudget(settings.maxInFlightBytes());
    ProducePath producePath = new ProducePath(
        new MessageValidator(catalog, settings.maxMessageSize(), new DelayRule(settings.maxDelay(), System::currentTimeMillis)),
        new QueueSelector(availability),
        new QueueAppenders(system, settings.askTimeout(), settings.maxAppendBatch(), settings.maxInboundMessageSize()),
        delays,
        transactions,
        inFlight,
        settings,
        new GroupAdmission(store, served::servesHere, stores::of));
    CompletableFuture<RouteTable> routes = new CompletableFuture<>();
    MessagingServiceImpl messaging = new MessagingServiceImpl(
        system, catalog, producePath, new ReceivePath(catalog, groups, settings.maxDeliveryBatchBytes()), groups, settings, routes::join, transactions);
    // Lookups answer for each group this node serves (OwnerCalls) from that group's store.
    Map<String, StoredMessages> stored = new ConcurrentHashMap<>();
    DeadLetterAdmin deadLetters = new DeadLetterAdmin(system, catalog, groups, READ_JOURNAL, settings.askTimeout());
    OwnerRouter owners = new OwnerRouter(system, settings.askTimeout(), served);
    OwnedAdminCalls owned = new OwnedAdminCalls(catalog, new QueriesAndOffsets(system, catalog, groups,
        group -> stored.computeIfAbsent(group, g -> new StoredMessages(system, stores.of(g)))), deadLetters, owners);
    owners.startOwnerCalls(owned);
    AdminServiceImpl admin = new AdminServiceImpl(system, registry, catalog, groups, owned, settings.askTimeout(),
        deadLetters, delays, transactions);

    importJournalRegistries(system, registry, cluster);
    catalog.offer(loadTopics(system, registry, settings.askTimeout()));
    delays.wakeAll(catalog.snapshot());
    transactions.wakeAll(catalog.snapshot());
    served.addListener(new ServedGroups.Listener() {
      @Override
      public void started(String group) {
        // a group promoted here: its timers must fire and its transactions be checked without a message
        delays.wakeGroup(catalog.snapshot(), group);
        transactions.wakeGroup(catalog.snapshot(), group);
      }

      @Override
      public void stopped(String group) {}
    });

    @SuppressWarnings("unchecked")
    ServerBinding binding = Http.get(system)
        .newServerAt(settings.grpcInterface(), settings.grpcPort())
        .bind(new InboundLimits(ServiceHandler.concatOrNotFound(
                MessagingServiceHandlerFactory.partial(messaging, MessagingService.name, system),
                AdminServiceHandlerFactory.partial(admin, AdminService.name, system)),
            settings.maxInboundMessageSize(), inFlight))
        .toCompletableFuture()
        .get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    String advertised = AdvertisedEndpoint.of(system.settings().config(), binding.localAddress().getPort());
    routes.complete(new RouteTable(system, EndpointDirectory.start(system, advertised), advertised));
    int managementPort = PekkoManagement.get(system).start().toCompletableFuture()
        .get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS).getPort();

    addShutdownTasks(system, binding, settings.shutdownDeadline());
    BrokerReadiness.get(system).followStorage(store::acceptsMessageWrites);
    BrokerReadiness.get(system).set(true);
    log.info("Sluice node ready: gRPC on {}, management on port {}, {} topics",
        binding.localAddress(), managementPort, catalog.snapshot().byName().size());
    return new BrokerNode(system, binding, managementPort, routes.join());
  }

  /**
   * What a journal write's failure means for the producer, from the store's exception in its
   * causes: a full disk, too few replicas in sync (nothing stored), a replication timeout (stored
   * on the master, outcome unknown), a store that is not (or no longer) its group's master (nothing
   * stored: the client may resend to the group's new master); anything else leaves the outcome
   * unknown.
   */
  static Reason writeFailureReason(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof StorageFullException) {
        return Reason.STORAGE_FULL;
      }
      if (t instanceof NotEnoughReplicasException) {
        return Reason.NOT_ENOUGH_REPLICAS;
      }
      if (t instanceof ReplicationTimeoutException) {
        return Reason.REPLICATION_TIMEOUT;
      }
      if (t instanceof NotMasterException) {
        return Reason.NOT_MASTER;
      }
    }
    return Reason.SEND_OUTCOME_UNKNOWN;
  }

  /**
   * A node upgraded from the journal-based registries (before Distributed Data) hands their topics
   * and retry policies to the registries once; its topics' queues are placed in this node's broker
   * group, where their data is.
   */
  private static void importJournalRegistries(ActorSystem<?> system, ActorRef<TopicRegistry.Command> registry,
      Cluster cluster) throws Exception {
    String group = BrokerGroups.groupOf(cluster.selfMember()).orElse("");
    int topics = TopicJournal.importInto(system, registry, group, STARTUP_TIMEOUT)
        .toCompletableFuture().get(STARTUP_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    int policies = PolicyJournal.importInto(system, ConsumerGroupRegistry.init(system), STARTUP_TIMEOUT)
        .toCompletableFuture().get(STARTUP_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    if (topics + policies > 0) {
      log.info("Imported {} topic names and {} retry policies from this node's journal into the registries",
          topics, policies);
    }
  }

  /** The registry is a cluster singleton: it answers once the node is up; ask until it does. */
  private static Topics loadTopics(ActorSystem<?> system, ActorRef<TopicRegistry.Command> registry, Duration askTimeout)
      throws Exception {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (true) {
      try {
        CompletionStage<Topics> topics =
            AskPattern.ask(registry, TopicRegistry.GetTopics::new, Duration.ofSeconds(2), system.scheduler());
        return topics.toCompletableFuture().get(askTimeout.toMillis() + 2_000, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("topic registry did not answer within " + STARTUP_TIMEOUT, e);
        }
        log.info("Waiting for the topic registry ({})", e.getCause().toString());
        // Startup only: an ask can fail at once (singleton still starting), so pace the retries.
        TimeUnit.MILLISECONDS.sleep(200);
      }
    }
  }

  /** Graceful shutdown: not ready, stop accepting, let in-flight calls finish, then leave the cluster. */
  private static void addShutdownTasks(ActorSystem<?> system, ServerBinding binding, Duration deadline) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "sluice-not-ready", () -> {
      BrokerReadiness.get(system).set(false);
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "sluice-grpc-unbind",
        () -> binding.unbind().thenApply(unbound -> Done.getInstance()));
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "sluice-grpc-drain",
        () -> binding.terminate(deadline).thenApply(terminated -> Done.getInstance()));
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public int grpcPort() {
    return grpcBinding.localAddress().getPort();
  }

  public int managementPort() {
    return managementPort;
  }

  /** What this node answers {@code QueryRoute} from. */
  public RouteTable routes() {
    return routes;
  }

  /** Runs graceful shutdown and waits for the actor system to terminate. */
  public void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
