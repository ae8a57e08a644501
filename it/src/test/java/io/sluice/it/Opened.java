package io.sluice.it;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a test opened (nodes, clients, producers, consumers), closed in reverse order after it
 * through {@link Closer}, each even if an earlier one failed. Not thread-safe: open from the test
 * thread.
 */
final class Opened implements AutoCloseable {
  private final List<AutoCloseable> resources = new ArrayList<>();

  /** Registers a resource and returns it. */
  <T extends AutoCloseable> T add(T resource) {
    resources.add(resource);
    return resource;
  }

  @Override
  public void close() throws Exception {
    List<AutoCloseable> reversed = new ArrayList<>(resources);
    Collections.reverse(reversed);
    resources.clear();
    Closer.closeAll(reversed.toArray(AutoCloseable[]::new));
  }
}
