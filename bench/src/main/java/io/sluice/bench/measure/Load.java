package io.sluice.bench.measure;

import org.HdrHistogram.Recorder;

/**
 * A load generator running on its own threads until stopped; {@link Measurement} reads its counters
 * at the edges of the measured window.
 *
 * <p>Thread-safety: {@link #completedOperations}, {@link #latency} and {@link #logPosition} are
 * read from the measuring thread while the load runs.
 */
public interface Load {

  /** Starts the load threads; returns at once. */
  void start() throws Exception;

  /** Operations completed so far (monotonic). */
  long completedOperations();

  /** Payload bytes per completed operation. */
  long payloadBytesPerOperation();

  /** Latencies of completed units, in nanoseconds. */
  Recorder latency();

  /** Current end of the CommitLog, or -1 if there is no store to ask. */
  long logPosition();

  /** Stops issuing work and waits for the work in flight to finish. */
  void stop() throws Exception;
}
