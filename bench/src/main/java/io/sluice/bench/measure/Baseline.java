package io.sluice.bench.measure;

/** Which raw baseline a case is compared with, and on which figure. */
public enum Baseline {
  /** The case is a baseline or stands alone. */
  NONE,
  /** Payload MB/s against raw A (sequential batched writes, one force at the end). */
  RAW_A_MB_PER_SECOND,
  /** Operations per second against raw B (one write plus one force per 1 KiB record). */
  RAW_B_OPERATIONS_PER_SECOND
}
