package io.sluice.persistence.journal;

import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open {@link MessageStore} per store directory and actor system, shared by every journal,
 * snapshot store and read journal plugin configured on that directory (a node defines several
 * plugin ids on one directory: its default journal and its own broker group's), closed when the
 * actor system terminates. The first plugin that asks opens the store with its settings.
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
  private final ConcurrentHashMap<Path, MessageStore> stores = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Path, Object> importLocks = new ConcurrentHashMap<>();

  private SluiceStores(ExtendedActorSystem system) {
    this.system = system;
    system.registerOnTermination(this::closeAll);
  }

  public static SluiceStores get(ActorSystem system) {
    return ID.get(system);
  }

  /**
   * The store in the directory of the journal plugin block at {@code journalPluginId}, opened once
   * per directory.
   */
  public MessageStore storeFor(String journalPluginId) {
    StoreSettings settings = StoreSettings.fromConfig(system.settings().config().getConfig(journalPluginId));
    return stores.computeIfAbsent(
        keyOf(settings.dir()),
        dir -> {
          try {
            return MessageStore.open(settings);
          } catch (IOException e) {
            throw new UncheckedIOException("cannot open the store of " + journalPluginId + " in " + dir, e);
          }
        });
  }

  /**
   * Runs {@code work} while no other caller runs work for the same {@code dir}: two snapshot
   * stores importing one directory of files must not import a file twice.
   */
  public <T> T exclusively(Path dir, Callable<T> work) throws Exception {
    synchronized (importLocks.computeIfAbsent(keyOf(dir), d -> new Object())) {
      return work.call();
    }
  }

  private static Path keyOf(Path dir) {
    return dir.toAbsolutePath().normalize();
  }

  private void closeAll() {
    stores.forEach(
        (dir, store) -> {
          try {
            store.close();
          } catch (IOException e) {
            log.error("Closing the store in {} failed", dir, e);
          }
        });
    stores.clear();
  }
}
