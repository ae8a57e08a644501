package io.sluice.persistence.store.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The marker file a store writes as the last step of a clean close (after its final checkpoint)
 * and removes when it opens: a store that opens without it was not closed cleanly (killed, or the
 * machine stopped), and with async flushing may have lost acknowledged writes.
 */
public final class CleanStop {
  private final Path marker;

  public CleanStop(Path marker) {
    this.marker = marker;
  }

  /** Whether the last stop was clean; removes the marker (forced), so a crash from now on shows. */
  public boolean consume() throws IOException {
    boolean clean = Files.deleteIfExists(marker);
    if (clean) {
      forceDirectory();
    }
    return clean;
  }

  /** Records a clean stop (forced). */
  public void mark() throws IOException {
    try (FileChannel ch = FileChannel.open(marker, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    forceDirectory();
  }

  private void forceDirectory() {
    // Some platforms (Windows) cannot open a directory as a channel: the marker goes unforced there.
    try (FileChannel ch = FileChannel.open(marker.getParent(), StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // best effort, as above
    }
  }
}
