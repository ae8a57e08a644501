package io.sluice.persistence.store;

import static io.sluice.persistence.store.Events.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store locks its directory: a second store on it is refused instead of overwriting the log. */
class DirectoryLockTest {
  @TempDir Path dir;

  private MessageStore open() throws Exception {
    return MessageStore.open(StoreSettings.of(dir, "segment-size = 64 KiB"));
  }

  @Test
  void refusesASecondStoreOnTheSameDirectoryAndNamesIt() throws Exception {
    try (MessageStore first = open()) {
      first.append(range("a", 1, 3)).get();
      DirectoryLockedException refused = assertThrows(DirectoryLockedException.class, this::open);
      assertTrue(refused.getMessage().contains(dir.toAbsolutePath().toString()), refused.getMessage());
      assertTrue(refused.getMessage().contains("pid " + ProcessHandle.current().pid()), refused.getMessage());
      first.append(range("a", 4, 5)).get();
      assertEquals(5, first.read("a", 1, 5, 10).size());
    }
  }

  @Test
  void opensAgainOnceTheHolderClosed() throws Exception {
    try (MessageStore first = open()) {
      first.append(range("a", 1, 3)).get();
    }
    try (MessageStore second = open()) {
      assertEquals(3, second.highestSequenceNr("a"));
    }
  }
}
