package io.sluice.gateway.produce;

import io.sluice.gateway.BrokerException;
import io.sluice.persistence.store.MessageStore;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The node's {@link WriteAdmission}: the local disk refuses messages to any queue (checked here as
 * before broker groups); a group this node serves (its own unreplicated group, a replicated group
 * it is the ACTIVE master of) refuses them while the group's own store on this node does (full
 * disk), or while its sync in-sync set is below min-in-sync (NOT_ENOUGH_REPLICAS). A group served
 * by another node is checked by its master's journal.
 *
 * <p>Thread-safety: any thread.
 */
public final class GroupAdmission implements WriteAdmission {
  private final MessageStore local;
  private final Predicate<String> servedHere;
  private final Function<String, MessageStore> storeOf;

  /**
   * @param local the node's default store (its disk)
   * @param servedHere whether this node serves a broker group now
   * @param storeOf the store of a group this node serves
   */
  public GroupAdmission(MessageStore local, Predicate<String> servedHere, Function<String, MessageStore> storeOf) {
    this.local = local;
    this.servedHere = servedHere;
    this.storeOf = storeOf;
  }

  @Override
  public Optional<BrokerException> refusal(String brokerGroup) {
    Optional<BrokerException> full = local.messageWriteRefusal().map(e -> BrokerException.storageFull(e.getMessage()));
    if (full.isPresent() || brokerGroup.isEmpty() || !servedHere.test(brokerGroup)) {
      return full;
    }
    MessageStore store = storeOf.apply(brokerGroup);
    return store.messageWriteRefusal().map(e -> BrokerException.storageFull(e.getMessage()))
        .or(() -> store.commits().writeRefusal().map(e -> BrokerException.notEnoughReplicas(e.getMessage())));
  }
}
