package io.sluice.actors.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.actors.queue.Queue;
import org.junit.jupiter.api.Test;

class GroupQueuePersistenceIdTest {
  @Test
  void namesTheQueueByItsDataIdWithoutItsBrokerGroup() {
    assertEquals(GroupQueue.persistenceIdOf("g", Queue.entityId("orders", 1, 3)),
        GroupQueue.persistenceIdOf("g", Queue.entityId("broker-1", "orders", 1, 3)));
    assertEquals("group|g|orders@1/3", GroupQueue.persistenceIdOf("g", Queue.entityId("broker-1", "orders", 1, 3)).id());
  }
}
