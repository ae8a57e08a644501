package io.sluice.gateway.health;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Whether this node serves clients: set once the gRPC server is bound and the topic catalog is
 * loaded, cleared when graceful shutdown begins; and false while its store cannot take messages
 * (disk above the limit for messages, or the last write failed). Read by {@link
 * BrokerReadinessCheck}.
 */
public final class BrokerReadiness implements Extension {
  private final AtomicBoolean ready = new AtomicBoolean();
  private volatile BooleanSupplier storageWritable = () -> true;

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
    return ready.get() && storageWritable.getAsBoolean();
  }

  /** Makes readiness follow {@code writable} too (the store's {@code acceptsMessageWrites}). */
  public void followStorage(BooleanSupplier writable) {
    storageWritable = writable;
  }

  public void set(boolean value) {
    ready.set(value);
  }
}
