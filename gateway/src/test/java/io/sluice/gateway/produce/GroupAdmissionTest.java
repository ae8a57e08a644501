package io.sluice.gateway.produce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gateway.BrokerException;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.protocol.v1.Reason;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Produce admission checks the store of the group written to when this node serves it (a promoted
 * replica's store is not the node's default store), and leaves a group served elsewhere to its master.
 */
class GroupAdmissionTest {
  @TempDir Path localDir;
  @TempDir Path promotedDir;

  @Test
  void aGroupServedHereIsRefusedWhileItsOwnStoreRefuses() throws Exception {
    try (MessageStore local = MessageStore.open(StoreSettings.of(localDir, ""));
        MessageStore promoted = MessageStore.open(StoreSettings.of(promotedDir,
            "disk-limits { max-used-ratio = 0.0, hard-max-used-ratio = 1.0 }"))) {
      Set<String> servedHere = Set.of("g2", "g1");
      GroupAdmission admission = new GroupAdmission(local, servedHere::contains, Map.of("g2", local, "g1", promoted)::get);

      Optional<BrokerException> refused = admission.refusal("g1");
      assertTrue(refused.isPresent(), "the promoted group's full store refuses");
      assertEquals(Reason.STORAGE_FULL, refused.get().reason());
      assertEquals(Optional.empty(), admission.refusal("g2"), "the own group's store accepts");
      assertEquals(Optional.empty(), admission.refusal("g3"), "a group served elsewhere is its master's to refuse");
      assertEquals(Optional.empty(), admission.refusal(""));
    }
  }

  @Test
  void theLocalDiskRefusesEveryGroup() throws Exception {
    try (MessageStore local = MessageStore.open(StoreSettings.of(localDir,
        "disk-limits { max-used-ratio = 0.0, hard-max-used-ratio = 1.0 }"))) {
      GroupAdmission admission = new GroupAdmission(local, group -> false, group -> local);
      assertEquals(Reason.STORAGE_FULL, admission.refusal("g3").orElseThrow().reason());
      assertEquals(Reason.STORAGE_FULL, admission.refusal("").orElseThrow().reason());
    }
  }
}
