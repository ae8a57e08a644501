package io.sluice.actors.registry;

/** An entry of a replicated registry map, stamped by the registry singleton with the version of its last change. */
public interface Versioned {
  long version();
}
