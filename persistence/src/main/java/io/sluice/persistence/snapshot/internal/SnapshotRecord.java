package io.sluice.persistence.snapshot.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;

/**
 * The payload of one record under a snapshot id ({@code snapshot|<persistence id>}) in the log:
 * a chunk of a snapshot, or a deletion. Big-endian:
 *
 * <pre>
 * chunk                                   deletion
 * offset size field                       offset size field
 *      0    1 kind 1                           0    1 kind 2
 *      1    8 snapshot sequence nr              1    8 max sequence nr    (the deleted
 *      9    8 snapshot timestamp                9    8 max timestamp       snapshots'
 *     17    4 chunk index, 0-based             17    8 min sequence nr     selection
 *     21    4 chunk count                      25    8 min timestamp       criteria)
 *     25    N bytes of the snapshot file format (SnapshotFileFormat) from index x chunk size
 * </pre>
 *
 * <p>The chunks of one snapshot have consecutive sequence numbers and are written as one atomic
 * write, so a crash leaves all of them or none. A deletion hides every snapshot its criteria match
 * that was written before it (lower sequence number under the same snapshot id).
 *
 * <p>Stateless and thread-safe.
 */
public final class SnapshotRecord {
  public static final int CHUNK_HEADER_SIZE = 25;
  private static final byte KIND_CHUNK = 1;
  private static final byte KIND_DELETION = 2;

  /** What a record says, without its snapshot bytes. */
  public sealed interface Entry permits Chunk, Deletion {}

  /** A chunk of the snapshot at {@code sequenceNr}/{@code timestamp} of the entity. */
  public record Chunk(long sequenceNr, long timestamp, int index, int count) implements Entry {
    public boolean isLast() {
      return index == count - 1;
    }
  }

  /** Deletes the earlier snapshots that {@code criteria} match. */
  public record Deletion(SnapshotSelectionCriteria criteria) implements Entry {}

  private SnapshotRecord() {}

  /** The payload of chunk {@code index} of {@code count}, carrying {@code length} bytes from {@code piece}. */
  public static byte[] chunk(Chunk chunk, ByteBuffer piece, int length) {
    byte[] payload = new byte[CHUNK_HEADER_SIZE + length];
    ByteBuffer buf = ByteBuffer.wrap(payload);
    buf.put(KIND_CHUNK)
        .putLong(chunk.sequenceNr())
        .putLong(chunk.timestamp())
        .putInt(chunk.index())
        .putInt(chunk.count());
    piece.get(payload, CHUNK_HEADER_SIZE, length);
    return payload;
  }

  public static byte[] deletion(SnapshotSelectionCriteria criteria) {
    return ByteBuffer.allocate(33)
        .put(KIND_DELETION)
        .putLong(criteria.maxSequenceNr())
        .putLong(criteria.maxTimestamp())
        .putLong(criteria.minSequenceNr())
        .putLong(criteria.minTimestamp())
        .array();
  }

  /**
   * Decodes the header of a record's payload.
   *
   * @throws IllegalArgumentException if it is not a snapshot record
   */
  public static Entry decode(byte[] payload) {
    try {
      ByteBuffer buf = ByteBuffer.wrap(payload);
      byte kind = buf.get();
      if (kind == KIND_CHUNK) {
        Chunk chunk = new Chunk(buf.getLong(), buf.getLong(), buf.getInt(), buf.getInt());
        if (chunk.index() < 0 || chunk.index() >= chunk.count()) {
          throw new IllegalArgumentException("chunk " + chunk.index() + " of " + chunk.count());
        }
        return chunk;
      }
      if (kind == KIND_DELETION) {
        return new Deletion(
            new SnapshotSelectionCriteria(buf.getLong(), buf.getLong(), buf.getLong(), buf.getLong()));
      }
      throw new IllegalArgumentException("unknown snapshot record kind " + kind);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("snapshot record of " + payload.length + " bytes is too short", e);
    }
  }
}
