package io.sluice.actors.group;

import io.sluice.actors.CborSerializable;
import io.sluice.actors.consume.RetryPolicy;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * The durable per-consumer-group settings, one per cluster (a cluster singleton): today each
 * group's {@link RetryPolicy}. A change is persisted, then the new {@link RetryPolicies} snapshot
 * is the reply and a broadcast on {@link #BROADCAST}, which each node's {@link RetryPolicyCatalog} follows.
 */
public final class ConsumerGroupRegistry
    extends EventSourcedBehaviorWithEnforcedReplies<ConsumerGroupRegistry.Command, ConsumerGroupRegistry.Event,
        RetryPolicies> {

  public sealed interface Command extends CborSerializable {}

  public record SetRetryPolicy(String group, RetryPolicy policy, ActorRef<RetryPolicies> replyTo)
      implements Command {}

  public record GetRetryPolicies(ActorRef<RetryPolicies> replyTo) implements Command {}

  public sealed interface Event extends CborSerializable {}

  public record RetryPolicySet(String group, RetryPolicy policy) implements Event {}

  /** Name of the pub-sub topic that carries every new {@link RetryPolicies} snapshot. */
  public static final String BROADCAST = "sluice-retry-policies";

  /** Starts (or joins) the singleton and returns its proxy; calling it again returns the same proxy. */
  public static ActorRef<Command> init(ActorSystem<?> system) {
    return ClusterSingleton.get(system).init(SingletonActor.of(create(), "consumer-group-registry"));
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(
        ctx -> new ConsumerGroupRegistry(ctx.spawn(Topic.create(RetryPolicies.class, BROADCAST), "policies-broadcast")));
  }

  private final ActorRef<Topic.Command<RetryPolicies>> broadcast;

  private ConsumerGroupRegistry(ActorRef<Topic.Command<RetryPolicies>> broadcast) {
    // a failed journal write restarts the singleton; stopped, it would stay dead until a handover
    super(PersistenceId.ofUniqueId("consumer-group-registry"), io.sluice.actors.JournalFailures.restartWithBackoff());
    this.broadcast = broadcast;
  }

  @Override
  public RetryPolicies emptyState() {
    return RetryPolicies.EMPTY;
  }

  @Override
  public CommandHandlerWithReply<Command, Event, RetryPolicies> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(SetRetryPolicy.class, this::onSet)
        .onCommand(GetRetryPolicies.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .build();
  }

  private ReplyEffect<Event, RetryPolicies> onSet(RetryPolicies state, SetRetryPolicy cmd) {
    return Effect()
        .persist(new RetryPolicySet(cmd.group(), cmd.policy()))
        .thenRun(policies -> broadcast.tell(Topic.publish(policies)))
        .thenReply(cmd.replyTo(), policies -> policies);
  }

  @Override
  public EventHandler<RetryPolicies, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(RetryPolicySet.class, (state, e) -> state.with(e.group(), e.policy()))
        .build();
  }
}
