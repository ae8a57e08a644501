package io.sluice.persistence.store.internal;

import java.io.IOException;

/** A CommitLog position below the oldest retained segment. */
public final class PositionRemovedException extends IOException {
  private final long minPosition;

  public PositionRemovedException(long position, long minPosition) {
    super("CommitLog position " + position + " was removed by retention; oldest is " + minPosition);
    this.minPosition = minPosition;
  }

  public long minPosition() {
    return minPosition;
  }
}
