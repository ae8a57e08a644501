package io.sluice.gateway.inbound;

import io.sluice.gateway.produce.InFlightBudget;

/**
 * The part of the node's in-flight budget one produce call has taken for the gRPC messages it
 * sent. A {@code Produce} stream gives a message's bytes back once the message is handed on (the
 * produce path then takes the parsed request's size); a unary {@code Send} keeps them until it is
 * answered, since its request lives that long: closing gives back the rest, and nothing can be
 * taken afterwards.
 *
 * <p>Thread-safety: any thread.
 */
final class CallBudget {
  private final InFlightBudget budget;
  private long taken;
  private boolean closed;

  CallBudget(InFlightBudget budget) {
    this.budget = budget;
  }

  /** Takes {@code bytes} if they fit and the call is not answered yet. */
  synchronized boolean tryTake(long bytes) {
    if (closed || !budget.tryAcquire(bytes)) {
      return false;
    }
    taken += bytes;
    return true;
  }

  /** Gives back up to {@code bytes} of what this call holds. */
  synchronized void giveBack(long bytes) {
    long back = Math.min(bytes, taken);
    if (back > 0) {
      taken -= back;
      budget.release(back);
    }
  }

  synchronized void close() {
    giveBack(taken);
    closed = true;
  }

  long nodeUsed() {
    return budget.used();
  }
}
