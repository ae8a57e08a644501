package io.sluice.client;

import java.util.Objects;

/**
 * Which messages of a topic a consumer receives; applied on the broker, so filtered-out messages
 * never travel. Messages a group's filter excludes count as consumed by that group.
 *
 * <ul>
 *   <li>{@link #tag(String)}: {@code "*"} for every message, {@code "TagA"}, or {@code "TagA ||
 *       TagB"}; a message without a tag matches only {@code "*"}.
 *   <li>{@link #sql92(String)}: a SQL92 condition on the message's user properties, e.g. {@code
 *       "region = 'eu' AND amount BETWEEN 100 AND 500"}: comparisons ({@code = <> != < <= > >=}),
 *       {@code AND}/{@code OR}/{@code NOT}, {@code [NOT] IN ('a', 'b')}, {@code [NOT] BETWEEN},
 *       {@code IS [NOT] NULL}, string literals in single quotes ({@code ''} for a quote inside),
 *       numbers, {@code TRUE}/{@code FALSE}; {@code TAGS} names the message's tag. Ordering
 *       comparisons and {@code BETWEEN} are numeric (the property's text is read as a number). A
 *       missing property makes a comparison UNKNOWN, and a message matches only when the whole
 *       condition is TRUE. A malformed expression is refused with {@link Reason#INVALID_FILTER}
 *       and the position of the error.
 * </ul>
 *
 * @param type the language
 * @param expression the expression
 */
public record Filter(Type type, String expression) {
  /** Every message. */
  public static final Filter ALL = new Filter(Type.TAG, "*");

  /** The language of an expression. */
  public enum Type {
    /** A tag expression. */
    TAG,
    /** A SQL92 condition on user properties. */
    SQL92
  }

  /**
   * Checks the parts are present; the broker checks the syntax.
   *
   * @param type not null
   * @param expression not null
   */
  public Filter {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(expression, "expression");
  }

  /**
   * A tag expression.
   *
   * @param expression {@code "*"}, {@code "TagA"} or {@code "TagA || TagB"}
   * @return the filter
   */
  public static Filter tag(String expression) {
    return new Filter(Type.TAG, expression);
  }

  /**
   * A SQL92 condition on user properties.
   *
   * @param expression the condition
   * @return the filter
   */
  public static Filter sql92(String expression) {
    return new Filter(Type.SQL92, expression);
  }
}
