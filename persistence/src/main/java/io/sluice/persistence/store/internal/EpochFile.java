package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.EpochHistory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's epoch history in memory and in {@code <dir>/epochs}: one line {@code <epoch>
 * <start position>} per epoch, ascending. The file is written to a temporary file, forced and
 * renamed (then the directory forced), before the record that changed it is confirmed, so a
 * checkpoint never passes an EpochStart record the file lacks. The log's EpochStart records are
 * the ground truth: recovery re-reads those after the checkpoint (all of them when the file is
 * missing or damaged) and drops entries past the recovered end.
 *
 * <p>Thread-safety: changed by the writer thread (or recovery); {@link #history} from any thread.
 */
public final class EpochFile {
  private static final Logger log = LoggerFactory.getLogger(EpochFile.class);

  private final Path file;
  private volatile EpochHistory history;
  private boolean dirty;

  private EpochFile(Path file, EpochHistory history) {
    this.file = file;
    this.history = history;
  }

  /**
   * Loads {@code file}; null history (and {@link #isComplete()} false) when it is missing or
   * damaged, so that recovery rebuilds it from the whole log.
   */
  public static EpochFile load(Path file) throws IOException {
    if (!Files.exists(file)) {
      return new EpochFile(file, null);
    }
    try {
      List<Epoch> epochs = new ArrayList<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          String[] fields = line.trim().split(" ");
          epochs.add(new Epoch(Long.parseLong(fields[0]), Long.parseLong(fields[1])));
        }
      }
      return new EpochFile(file, new EpochHistory(epochs));
    } catch (RuntimeException damaged) {
      log.warn("Epoch file {} is damaged ({}): rebuilding it from the CommitLog", file, damaged.toString());
      return new EpochFile(file, null);
    }
  }

  /** Whether the file was read, so recovery need only re-read EpochStart records after the checkpoint. */
  public boolean isComplete() {
    return history != null;
  }

  public EpochHistory history() {
    EpochHistory h = history;
    return h == null ? EpochHistory.EMPTY : h;
  }

  /**
   * An EpochStart record of {@code epoch} at {@code position} (appended, replicated or met by
   * recovery). One already held is ignored; one that does not follow the last is refused.
   */
  public void observe(long epoch, long position) {
    EpochHistory h = history();
    Epoch e = new Epoch(epoch, position);
    if (h.epochs().contains(e)) {
      history = h;
      return;
    }
    Epoch last = h.last().orElse(null);
    if (last != null && (epoch <= last.epoch() || position < last.startPosition())) {
      log.warn("EpochStart record of epoch {} at {} does not follow the last epoch {}; ignored", epoch, position, last);
      return;
    }
    history = h.with(e);
    dirty = true;
  }

  /** Drops the epochs that start at or after {@code end} (the log was cut there). */
  public void truncateFrom(long end) {
    EpochHistory h = history();
    EpochHistory kept = h.below(end);
    if (!kept.equals(h) || history == null) {
      history = kept;
      dirty = true;
    }
  }

  /** Forgets every epoch (the store was reset). */
  public void clear() {
    history = EpochHistory.EMPTY;
    dirty = true;
  }

  /** Writes the file if the history changed since it was last written. */
  public void persist() throws IOException {
    if (!dirty) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    for (Epoch e : history().epochs()) {
      sb.append(e.epoch()).append(' ').append(e.startPosition()).append('\n');
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    }
    dirty = false;
  }
}
