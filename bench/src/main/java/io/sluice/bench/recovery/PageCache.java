package io.sluice.bench.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Evicts files from the page cache without touching anyone else's: {@code sync -f}, then GNU {@code
 * dd iflag=nocache count=0} per file (posix_fadvise DONTNEED, which drops clean pages only).
 */
final class PageCache {
  private PageCache() {}

  /** Drops every regular file directly under {@code dir}. */
  static void drop(Path dir) throws IOException, InterruptedException {
    run(List.of("sync", "-f", dir.toString()));
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(Files::isRegularFile).collect(Collectors.toList());
    }
    for (Path f : files) {
      run(List.of("dd", "if=" + f, "iflag=nocache", "count=0", "status=none"));
    }
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).inheritIO().start();
    int exit = p.waitFor();
    if (exit != 0) {
      throw new IOException(String.join(" ", command) + " exited with " + exit);
    }
  }
}
