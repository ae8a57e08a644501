package io.sluice.persistence.store;

import java.io.IOException;
import java.nio.file.Path;

/** A record failed its CRC or structural check; names the file and position so an operator can act. */
public final class CorruptedRecordException extends IOException {
  private final Path file;
  private final long position;

  public CorruptedRecordException(Path file, long position, String detail) {
    super("corrupted record in " + file + " at log position " + position + ": " + detail);
    this.file = file;
    this.position = position;
  }

  public Path file() {
    return file;
  }

  public long position() {
    return position;
  }
}
