package io.sluice.bench.raw;

import io.sluice.bench.measure.Sample;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.HdrHistogram.Histogram;

/**
 * What the disk does without the engine, from one thread on the same kind of files.
 *
 * <ul>
 *   <li>A: 1 KiB records copied into a 256 KiB direct buffer, one positional write per full buffer,
 *       one {@code force(false)} at the end of the window (inside the timed window).
 *   <li>A*: the same writes without the final force: what the page cache takes, the ceiling for
 *       async flush, whose own last writes are not forced when its window ends either.
 *   <li>B: one positional write of 1 KiB followed by {@code force(false)}, repeated.
 *   <li>C: one positional write of {@code recordsPerForce} 1 KiB records followed by {@code
 *       force(false)}: a perfect group commit of that many writers, the ceiling for sync flush.
 * </ul>
 */
public final class RawBaselines {
  public static final int RECORD_BYTES = 1024;
  public static final int BATCH_BYTES = 256 * 1024;

  private final long segmentSizeBytes;
  private final byte[] record;

  public RawBaselines(long segmentSizeBytes, byte[] record) {
    this.segmentSizeBytes = segmentSizeBytes;
    this.record = record.clone();
  }

  /** Baseline A ({@code forceAtEnd}) or A* in {@code dir} (created if needed). */
  public Sample sequentialBatched(Path dir, Duration warmUp, Duration window, boolean forceAtEnd)
      throws IOException {
    Files.createDirectories(dir);
    ByteBuffer batch = ByteBuffer.allocateDirect(BATCH_BYTES);
    Histogram latency = new Histogram(3);
    try (RawSegments files = new RawSegments(dir, segmentSizeBytes)) {
      writeBatchesUntil(files, batch, System.nanoTime() + warmUp.toNanos(), null);
      files.force();
      long t0 = System.nanoTime();
      long records = writeBatchesUntil(files, batch, t0 + window.toNanos(), latency);
      if (forceAtEnd) {
        files.force();
      }
      long t1 = System.nanoTime();
      return new Sample(records, records * RECORD_BYTES, -1, t1 - t0, latency);
    }
  }

  private long writeBatchesUntil(
      RawSegments files, ByteBuffer batch, long deadline, Histogram latency) throws IOException {
    long records = 0;
    int perBatch = BATCH_BYTES / RECORD_BYTES;
    while (System.nanoTime() < deadline) {
      long start = System.nanoTime();
      batch.clear();
      for (int i = 0; i < perBatch; i++) {
        batch.put(record);
      }
      batch.flip();
      files.write(batch);
      records += perBatch;
      if (latency != null) {
        latency.recordValue(System.nanoTime() - start);
      }
    }
    return records;
  }

  /**
   * Baseline B ({@code recordsPerForce} = 1) or C in {@code dir} (created if needed); an operation
   * is one 1 KiB record, a latency sample one write plus force.
   */
  public Sample forcedWrites(Path dir, Duration warmUp, Duration window, int recordsPerForce)
      throws IOException {
    Files.createDirectories(dir);
    ByteBuffer batch = ByteBuffer.allocateDirect(RECORD_BYTES * recordsPerForce);
    Histogram latency = new Histogram(3);
    try (RawSegments files = new RawSegments(dir, segmentSizeBytes)) {
      writeForcedUntil(files, batch, recordsPerForce, System.nanoTime() + warmUp.toNanos(), null);
      long t0 = System.nanoTime();
      long forces = writeForcedUntil(files, batch, recordsPerForce, t0 + window.toNanos(), latency);
      long t1 = System.nanoTime();
      long records = forces * recordsPerForce;
      return new Sample(records, records * RECORD_BYTES, -1, t1 - t0, latency);
    }
  }

  private long writeForcedUntil(
      RawSegments files, ByteBuffer batch, int recordsPerForce, long deadline, Histogram latency)
      throws IOException {
    long forces = 0;
    while (System.nanoTime() < deadline) {
      long start = System.nanoTime();
      batch.clear();
      for (int i = 0; i < recordsPerForce; i++) {
        batch.put(record);
      }
      batch.flip();
      files.write(batch);
      files.force();
      forces++;
      if (latency != null) {
        latency.recordValue(System.nanoTime() - start);
      }
    }
    return forces;
  }
}
