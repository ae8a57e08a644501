package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.CorruptedRecordException;
import io.sluice.persistence.store.SequenceOutOfRangeException;
import io.sluice.persistence.store.StoredRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads records out of the CommitLog, verifying each one's CRC, for ConsumeQueue entries and Index
 * positions. Nothing unverified is returned.
 *
 * <p>Thread-safety: any thread; each caller brings its own {@link RecordCodec}.
 */
public final class RecordReader {
  private final CommitLog commitLog;
  private final Path commitLogDir;
  private final long segmentSizeBytes;

  public RecordReader(CommitLog commitLog, Path commitLogDir, long segmentSizeBytes) {
    this.commitLog = commitLog;
    this.commitLogDir = commitLogDir;
    this.segmentSizeBytes = segmentSizeBytes;
  }

  /**
   * The record of entry {@code sequenceNr} of {@code cq}, whose size (not a hole) the caller read.
   *
   * @throws SequenceOutOfRangeException if retention removed it
   * @throws CorruptedRecordException if it fails its CRC or is not the record the entry names
   */
  public StoredRecord readEntry(RecordCodec codec, ConsumeQueue cq, long sequenceNr, int size) throws IOException {
    checkRetained(cq, sequenceNr, size);
    StoredRecord record;
    try {
      record = readAt(codec, cq.position(sequenceNr), size);
    } catch (PositionRemovedException removed) {
      throw new SequenceOutOfRangeException(cq.persistenceId(), sequenceNr, cq.lowestRetainedSequenceNr());
    }
    if (record.sequenceNr() != sequenceNr || !record.persistenceId().equals(cq.persistenceId())) {
      throw new CorruptedRecordException(fileOf(record.position()), record.position(),
          "ConsumeQueue entry " + cq.persistenceId() + "#" + sequenceNr + " points at " + record);
    }
    return record;
  }

  /**
   * Fails if retention removed entry {@code sequenceNr} (of size {@code size}, not a hole): it was
   * never written below the highest, or it points below the log's start.
   */
  public void checkRetained(ConsumeQueue cq, long sequenceNr, int size) {
    if (size == 0 || cq.position(sequenceNr) < commitLog.minPosition()) {
      throw new SequenceOutOfRangeException(cq.persistenceId(), sequenceNr,
          Math.max(cq.deletedTo() + 1, cq.lowestRetainedSequenceNr()));
    }
  }

  /** The verified record of {@code size} bytes at {@code position}. */
  public StoredRecord readAt(RecordCodec codec, long position, int size) throws IOException {
    if (size < RecordCodec.PREAMBLE_SIZE || size > segmentSizeBytes) {
      throw new CorruptedRecordException(fileOf(position), position, "implausible record size " + size);
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    int read = commitLog.read(buf, position);
    String invalid = codec.verify(buf, 0, read);
    if (invalid != null) {
      throw new CorruptedRecordException(fileOf(position), position, invalid);
    }
    return RecordCodec.decode(buf, 0, position);
  }

  private Path fileOf(long position) {
    Segment segment = commitLog.segmentAt(position);
    return segment == null ? commitLogDir : segment.file();
  }
}
