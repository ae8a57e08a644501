package io.sluice.persistence.snapshot.internal;

import java.util.Optional;

/**
 * What one snapshot file holds. The persistence id is stored even when the file name encodes it, so
 * hashed names stay resolvable and a misplaced file is detected.
 *
 * @param metadata the serialized {@code SnapshotMetadata.metadata}, when the snapshot has one
 */
public record SnapshotContent(
    String persistenceId,
    long sequenceNr,
    long timestamp,
    SerializedPayload snapshot,
    Optional<SerializedPayload> metadata) {}
