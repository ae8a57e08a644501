package io.sluice.persistence.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import io.sluice.persistence.store.MessageStore;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One store per directory, whatever plugin ids name it (a node's default journal and its group's). */
class SluiceStoresTest {
  @TempDir Path dir;
  @TempDir Path other;

  @Test
  void twoPluginIdsOnOneDirectoryShareOneStoreAndAnotherDirectoryHasItsOwn() throws Exception {
    Config config = ConfigFactory.parseString(
            "sluice.groups.g1.journal = ${sluice.persistence.journal} { dir = " + quoted(dir.resolve(".")) + " }\n"
                + "sluice.groups.g2.journal = ${sluice.persistence.journal} { dir = " + quoted(other) + " }\n")
        .withFallback(JournalTestConfig.create(dir))
        .resolve();
    ActorSystem system = ActorSystem.create("stores", config);
    try {
      SluiceStores stores = SluiceStores.get(system);
      MessageStore own = stores.storeFor(JournalTestConfig.JOURNAL_ID);
      // the same directory, named differently: opening it twice would fail on its DirectoryLock
      assertSame(own, stores.storeFor("sluice.groups.g1.journal"));
      MessageStore followed = stores.storeFor("sluice.groups.g2.journal");
      assertNotSame(own, followed);
      assertEquals(other, followed.settings().dir());
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static String quoted(Path path) {
    return ConfigUtil.quoteString(path.toString());
  }
}
