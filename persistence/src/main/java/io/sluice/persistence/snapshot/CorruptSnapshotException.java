package io.sluice.persistence.snapshot;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A snapshot file failed its structural or CRC check, or does not belong where it lies; names the
 * file, the byte offset of the problem and the file size so an operator can act.
 */
public final class CorruptSnapshotException extends IOException {
  private final Path file;
  private final long offset;
  private final long sizeBytes;

  public CorruptSnapshotException(Path file, long offset, long sizeBytes, String detail) {
    super(
        "corrupt snapshot file "
            + file
            + " at byte "
            + offset
            + " of "
            + sizeBytes
            + ": "
            + detail);
    this.file = file;
    this.offset = offset;
    this.sizeBytes = sizeBytes;
  }

  public Path file() {
    return file;
  }

  public long offset() {
    return offset;
  }

  public long sizeBytes() {
    return sizeBytes;
  }
}
