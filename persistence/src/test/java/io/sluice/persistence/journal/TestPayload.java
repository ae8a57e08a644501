package io.sluice.persistence.journal;

import org.apache.pekko.actor.ActorRef;

/**
 * The TCK's {@code TestPayload}: an event holding an actor ref, which only survives a journal that
 * serializes through Pekko serialization with the transport information set.
 */
public record TestPayload(ActorRef ref) {}
