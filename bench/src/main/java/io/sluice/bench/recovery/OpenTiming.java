package io.sluice.bench.recovery;

import io.sluice.persistence.store.internal.Recovery;

/**
 * One timed {@code MessageStore.open}.
 *
 * @param step which state the store was opened from
 * @param nanos wall time of {@code open}
 * @param result what recovery reported
 * @param checkpointPosition the checkpoint on disk before the open, -1 if none
 * @param eventsHeld sum over persistence ids of the highest sequence nr after the open
 * @param unreadableLastEvents persistence ids whose highest event could not be read back
 */
public record OpenTiming(
    String step,
    long nanos,
    Recovery.Result result,
    long checkpointPosition,
    long eventsHeld,
    int unreadableLastEvents) {

  public double millis() {
    return nanos / 1e6;
  }

  public long scannedBytes() {
    return result.end() + result.discardedBytes() - result.scannedFrom();
  }
}
