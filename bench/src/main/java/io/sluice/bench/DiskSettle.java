package io.sluice.bench;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes back the dirty pages of the data filesystem before a case starts, so one case's leftovers
 * (raw A* never forces; deleted runs leave journal work) are not paid by the next.
 */
public final class DiskSettle {
  private DiskSettle() {}

  /** {@code sync -f dir} (syncfs of the filesystem holding it); best effort. */
  public static void syncFilesystem(Path dir) {
    try {
      Process p = new ProcessBuilder("sync", "-f", dir.toString()).inheritIO().start();
      p.waitFor();
    } catch (IOException e) {
      System.err.println("sync -f failed, continuing without it: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
