package io.sluice.persistence.store;

import java.nio.ByteBuffer;

/**
 * Verbatim CommitLog bytes for replication: whole records starting at {@code position}.
 *
 * @param position physical position of the first byte
 * @param bytes the records, read-only; empty when nothing new is confirmed yet
 * @param nextPosition where the next read continues (the next segment's base after a segment end)
 */
public record RawChunk(long position, ByteBuffer bytes, long nextPosition) {}
