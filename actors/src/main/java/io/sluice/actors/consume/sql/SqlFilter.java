package io.sluice.actors.consume.sql;

import java.util.function.Function;

/**
 * A compiled SQL92 filter expression over named string properties (see {@link SqlParser} for the
 * grammar). Thread-safe and immutable.
 */
public final class SqlFilter {
  private final String expression;
  private final SqlExpression root;

  private SqlFilter(String expression, SqlExpression root) {
    this.expression = expression;
    this.root = root;
  }

  /**
   * Parses {@code expression}.
   *
   * @throws SqlFilterException naming the 0-based position of the first error
   */
  public static SqlFilter parse(String expression) {
    return new SqlFilter(expression, SqlParser.parse(expression));
  }

  /**
   * Whether the expression is TRUE for these properties (UNKNOWN, e.g. from a missing property,
   * does not match).
   *
   * @param property a property's value by name, null when absent
   */
  public boolean matches(Function<String, String> property) {
    return Boolean.TRUE.equals(root.eval(property));
  }

  @Override
  public String toString() {
    return "SqlFilter[" + expression + "]";
  }
}
