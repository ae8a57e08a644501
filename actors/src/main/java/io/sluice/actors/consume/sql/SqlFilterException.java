package io.sluice.actors.consume.sql;

/** A malformed SQL92 filter expression; the message names the 0-based position of the error. */
public final class SqlFilterException extends IllegalArgumentException {
  private final int position;

  SqlFilterException(String problem, int position) {
    super(problem + " at position " + position);
    this.position = position;
  }

  /** Where in the expression the error is, 0-based. */
  public int position() {
    return position;
  }
}
