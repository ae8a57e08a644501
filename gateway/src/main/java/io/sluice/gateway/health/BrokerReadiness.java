package io.sluice.gateway.health;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Whether this node serves clients: set once the gRPC server is bound and the topic catalog is
 * loaded, cleared when graceful shutdown begins. Read by {@link BrokerReadinessCheck}.
 */
public final class BrokerReadiness implements Extension {
  private final AtomicBoolean ready = new AtomicBoolean();

  public static final ExtensionId<BrokerReadiness> ID = new ExtensionId<>() {
    @Override
    public BrokerReadiness createExtension(ActorSystem<?> system) {
      return new BrokerReadiness();
    }
  };

  public static BrokerReadiness get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public boolean isReady() {
    return ready.get();
  }

  public void set(boolean value) {
    ready.set(value);
  }
}
