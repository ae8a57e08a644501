package io.sluice.gateway.health;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/** Readiness check for {@code /health/ready} (registered in {@code application.conf}). */
public final class BrokerReadinessCheck implements Supplier<CompletionStage<Boolean>> {
  private final BrokerReadiness readiness;

  public BrokerReadinessCheck(ActorSystem system) {
    this.readiness = BrokerReadiness.get(Adapter.toTyped(system));
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(readiness.isReady());
  }
}
