package io.sluice.actors;

import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * Marker for messages an actor sends itself (timers, piped results, its own journal stream's
 * signals): they never leave their node, so they have no serializer, and {@code
 * pekko.actor.serialize-messages} skips them.
 */
public interface LocalOnly extends NoSerializationVerificationNeeded {}
