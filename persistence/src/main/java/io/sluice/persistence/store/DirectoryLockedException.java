package io.sluice.persistence.store;

import java.io.IOException;
import java.nio.file.Path;

/** A directory that another process (or another store of this process) has locked. */
public final class DirectoryLockedException extends IOException {
  private final Path dir;

  public DirectoryLockedException(Path dir, String holderPid) {
    super("directory " + dir + " is locked by another process"
        + (holderPid.isEmpty() ? "" : " (pid " + holderPid + ")")
        + ": two Sluice nodes or stores must not share a data directory");
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }
}
