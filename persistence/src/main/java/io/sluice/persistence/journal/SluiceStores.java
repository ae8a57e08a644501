package io.sluice.persistence.journal;

import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open {@link MessageStore} per journal plugin id and actor system, shared by the journal
 * and its read journal, closed when the actor system terminates.
 *
 * <p>Thread-safety: any thread.
 */
public final class SluiceStores implements Extension {
  private static final Logger log = LoggerFactory.getLogger(SluiceStores.class);

  public static final AbstractExtensionId<SluiceStores> ID =
      new AbstractExtensionId<>() {
        @Override
        public SluiceStores createExtension(ExtendedActorSystem system) {
          return new SluiceStores(system);
        }
      };

  private final ExtendedActorSystem system;
  private final ConcurrentHashMap<String, MessageStore> stores = new ConcurrentHashMap<>();

  private SluiceStores(ExtendedActorSystem system) {
    this.system = system;
    system.registerOnTermination(this::closeAll);
  }

  public static SluiceStores get(ActorSystem system) {
    return ID.get(system);
  }

  /** The store configured by the journal plugin block at {@code journalPluginId}, opened once. */
  public MessageStore storeFor(String journalPluginId) {
    return stores.computeIfAbsent(
        journalPluginId,
        id -> {
          StoreSettings settings = StoreSettings.fromConfig(system.settings().config().getConfig(id));
          try {
            return MessageStore.open(settings);
          } catch (IOException e) {
            throw new UncheckedIOException("cannot open the store of " + id + " in " + settings.dir(), e);
          }
        });
  }

  private void closeAll() {
    stores.forEach(
        (id, store) -> {
          try {
            store.close();
          } catch (IOException e) {
            log.error("Closing the store of {} failed", id, e);
          }
        });
    stores.clear();
  }
}
