package io.sluice.persistence.snapshot.internal;

import org.apache.pekko.util.ByteString;

/**
 * An object as Pekko serialization wrote it: what is needed to find the serializer again and the
 * bytes it produced.
 */
public record SerializedPayload(int serializerId, String manifest, ByteString bytes) {}
