package io.sluice.persistence.snapshot;

import org.apache.pekko.actor.ActorRef;

/** A snapshot holding an actor ref, which only survives a store that uses Pekko serialization. */
record ProbePayload(ActorRef ref) {}
