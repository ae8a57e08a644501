package io.sluice.client.internal;

/**
 * Credit accounting of a push consumer: messages being processed (delivered, not yet acked or
 * nacked) plus credit granted and not yet used by the broker never exceed the window. Credit is
 * returned in chunks of a quarter window to save frames; liveness does not need smaller grants,
 * because whenever less than a chunk is free, more than three quarters of the window are being
 * processed and will free up. Messages still processing from an earlier stream count against the
 * window of the next. Not thread-safe: the owner's lock guards it.
 */
public final class CreditWindow {
  private final int window;
  private final int chunk;
  private int inProcess;
  private int unusedCredit;

  /**
   * Creates the accounting for a window.
   *
   * @param window most messages processing plus unused credit
   */
  public CreditWindow(int window) {
    if (window <= 0) {
      throw new IllegalArgumentException("window must be positive: " + window);
    }
    this.window = window;
    this.chunk = Math.max(1, window / 4);
  }

  /** A new stream starts: the broker holds no credit of ours. */
  public void onSessionStart() {
    unusedCredit = 0;
  }

  /**
   * A delivery arrived.
   *
   * @return false if the broker had no credit left for it (a protocol violation, still counted)
   */
  public boolean onDelivery() {
    inProcess++;
    if (unusedCredit == 0) {
      return false;
    }
    unusedCredit--;
    return true;
  }

  /** A delivery was acked or nacked (or given up). */
  public void onSettled() {
    if (inProcess > 0) {
      inProcess--;
    }
  }

  /**
   * Takes the credit to grant now, if at least a chunk is free.
   *
   * @return messages to grant, 0 for none
   */
  public int grant() {
    int free = window - inProcess - unusedCredit;
    if (free < chunk) {
      return 0;
    }
    unusedCredit += free;
    return free;
  }

  /**
   * Messages delivered and not yet settled.
   *
   * @return the count
   */
  public int inProcess() {
    return inProcess;
  }

  /**
   * Messages processing plus credit the broker may still use: never above the window.
   *
   * @return the count
   */
  public int outstanding() {
    return inProcess + unusedCredit;
  }
}
