package io.sluice.actors.group;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * Keeps an actor informed of the retry policies: subscribes it to the registry's broadcast and
 * asks the registry once for the current snapshot (the receiver keeps the highest revision, as the
 * two routes may arrive in either order).
 */
public final class RetryPolicyFeed {
  private RetryPolicyFeed() {}

  public static void follow(ActorContext<?> context, ActorRef<RetryPolicies> receiver) {
    ActorRef<Topic.Command<RetryPolicies>> topic =
        context.spawn(Topic.create(RetryPolicies.class, ConsumerGroupRegistry.BROADCAST), "retry-policies");
    topic.tell(Topic.subscribe(receiver));
    ConsumerGroupRegistry.init(context.getSystem()).tell(new ConsumerGroupRegistry.GetRetryPolicies(receiver));
  }
}
