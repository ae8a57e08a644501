package io.sluice.actors.group;

import io.sluice.actors.CborSerializable;
import io.sluice.actors.consume.RetryPolicy;
import io.sluice.actors.registry.Versioned;

/**
 * One consumer group in the replicated policy map ({@link ConsumerGroupRegistry#KEY}).
 *
 * @param version when the registry last changed it (see {@link io.sluice.actors.registry.RegistryMaps})
 */
public record PolicyEntry(RetryPolicy policy, long version) implements CborSerializable, Versioned {}
