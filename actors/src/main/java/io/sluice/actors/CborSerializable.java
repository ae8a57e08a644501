package io.sluice.actors;

/**
 * Marker for control messages, events and state serialized with Jackson CBOR (bound in this
 * module's {@code reference.conf}). Hot-path messages use hand-written protobuf serializers.
 */
public interface CborSerializable {}
