package io.sluice.actors.topic;

import io.sluice.actors.CborSerializable;
import io.sluice.actors.registry.Versioned;

/**
 * One name in the replicated topic map ({@link TopicRegistry#KEY}). A deleted topic stays as an
 * entry without a topic, so the name's next creation still gets the next incarnation.
 *
 * @param topic the topic, or null once deleted
 * @param lastIncarnation the incarnation of the name's last creation
 * @param version when the registry last changed this name (see {@link io.sluice.actors.registry.RegistryMaps})
 */
public record TopicEntry(TopicConfig topic, long lastIncarnation, long version) implements CborSerializable, Versioned {}
