package io.sluice.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The benchmark's data directory: one fresh sub-directory per case run, all under one temporary
 * directory on the chosen disk, deleted after each run and (by a shutdown hook) at exit.
 *
 * <p>Not thread-safe.
 */
public final class Scratch implements AutoCloseable {
  private final Path root;
  private int counter;

  public Scratch(Path parent) throws IOException {
    Files.createDirectories(parent);
    this.root = Files.createTempDirectory(parent, "sluice-bench-");
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> deleteQuietly(root), "bench-scratch-cleanup"));
  }

  public Path root() {
    return root;
  }

  /** A new empty directory for one run of one case. */
  public Path newRunDir(String caseName) throws IOException {
    return Files.createDirectories(root.resolve(String.format("%03d-%s", ++counter, caseName)));
  }

  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      delete(dir);
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }

  @Override
  public void close() throws IOException {
    delete(root);
  }
}
