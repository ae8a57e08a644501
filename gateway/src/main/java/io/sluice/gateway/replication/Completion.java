package io.sluice.gateway.replication;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * A future to pipe to an actor whose value does not matter. {@code pipeToSelf} of a future
 * completed with null sends a message wrapping null; if the actor has stopped meanwhile (a source
 * stopped at a demotion while a fetch long-polled), Pekko's dead-letter listener fails on it with a
 * NullPointerException. The value piped here is never null.
 */
final class Completion {
  private Completion() {}

  /** {@code stage}'s completion as {@link Done}, or its failure. */
  static CompletionStage<Done> of(CompletionStage<?> stage) {
    return stage.thenApply(ignored -> Done.getInstance());
  }
}
