package io.sluice.actors.consume.sql;

import io.sluice.actors.consume.sql.SqlExpression.Operand;
import io.sluice.actors.consume.sql.SqlLexer.Kind;
import io.sluice.actors.consume.sql.SqlLexer.Token;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser of the SQL92 subset RocketMQ consumers use:
 *
 * <pre>
 * expr      := and (OR and)*
 * and       := not (AND not)*
 * not       := NOT not | predicate
 * predicate := '(' expr ')' | TRUE | FALSE
 *            | operand (cmp operand | [NOT] BETWEEN operand AND operand
 *                       | [NOT] IN '(' literal (',' literal)* ')' | IS [NOT] NULL)
 * cmp       := = | <> | != | < | <= | > | >=
 * operand   := property | 'string' | [+|-] number
 * </pre>
 *
 * Ordering comparisons and BETWEEN are numeric; a string literal may only be tested with {@code =},
 * {@code <>} and IN. An expression has at most {@link #MAX_LENGTH} characters and nests parentheses
 * and NOT at most {@link #MAX_DEPTH} deep, so that neither parsing nor evaluation can exhaust a
 * thread's stack.
 */
final class SqlParser {
  /** Longest expression accepted, in characters: bounds the tree, whose evaluation recurses. */
  static final int MAX_LENGTH = 8192;
  /** Deepest nesting of parentheses and NOT: the parser recurses once per level. */
  static final int MAX_DEPTH = 64;

  private static final Set<String> COMPARISONS = Set.of("=", "<>", "!=", "<", "<=", ">", ">=");
  private static final Set<String> ORDERING = Set.of("<", "<=", ">", ">=");

  private final List<Token> tokens;
  private int next;
  private int depth;

  private SqlParser(List<Token> tokens) {
    this.tokens = tokens;
  }

  static SqlExpression parse(String source) {
    if (source.isBlank()) {
      throw new SqlFilterException("empty expression", 0);
    }
    if (source.length() > MAX_LENGTH) {
      throw new SqlFilterException("expression is longer than " + MAX_LENGTH + " characters", MAX_LENGTH);
    }
    SqlParser parser = new SqlParser(SqlLexer.tokens(source));
    SqlExpression e = parser.or();
    Token rest = parser.peek();
    if (rest.kind() != Kind.END) {
      throw new SqlFilterException("unexpected '" + rest.text() + "'", rest.position());
    }
    return e;
  }

  private Token peek() {
    return tokens.get(next);
  }

  private Token take() {
    return tokens.get(next++);
  }

  private boolean acceptKeyword(String keyword) {
    if (peek().isKeyword(keyword)) {
      next++;
      return true;
    }
    return false;
  }

  private Token expect(Kind kind, String text, String what) {
    Token t = peek();
    if (t.kind() != kind || (text != null && !t.text().equals(text))) {
      throw new SqlFilterException("expected " + what + (t.kind() == Kind.END ? " at the end" : " but found '"
          + t.text() + "'"), t.position());
    }
    return take();
  }

  private SqlExpression or() {
    SqlExpression e = and();
    while (acceptKeyword("OR")) {
      e = new SqlExpression.Or(e, and());
    }
    return e;
  }

  private SqlExpression and() {
    SqlExpression e = not();
    while (acceptKeyword("AND")) {
      e = new SqlExpression.And(e, not());
    }
    return e;
  }

  private SqlExpression not() {
    if (peek().isKeyword("NOT")) {
      Token not = take();
      enter(not);
      SqlExpression negated = new SqlExpression.Not(not());
      depth--;
      return negated;
    }
    return predicate();
  }

  /** One level deeper (a parenthesis or NOT opened at {@code at}), refused past {@link #MAX_DEPTH}. */
  private void enter(Token at) {
    if (++depth > MAX_DEPTH) {
      throw new SqlFilterException("nested deeper than " + MAX_DEPTH + " levels", at.position());
    }
  }

  private SqlExpression predicate() {
    if (peek().kind() == Kind.LPAREN) {
      enter(take());
      SqlExpression e = or();
      expect(Kind.RPAREN, null, "')'");
      depth--;
      return e;
    }
    if (acceptKeyword("TRUE")) {
      return new SqlExpression.Constant(true);
    }
    if (acceptKeyword("FALSE")) {
      return new SqlExpression.Constant(false);
    }
    Token start = peek();
    Operand left = operand();
    if (acceptKeyword("IS")) {
      boolean negated = acceptKeyword("NOT");
      expect(Kind.KEYWORD, "NULL", "NULL");
      if (!(left instanceof SqlExpression.Property property)) {
        throw new SqlFilterException("IS NULL needs a property name", start.position());
      }
      SqlExpression e = new SqlExpression.IsNull(property);
      return negated ? new SqlExpression.Not(e) : e;
    }
    Token afterOperand = peek();
    boolean negated = acceptKeyword("NOT");
    if (acceptKeyword("BETWEEN")) {
      Token lowStart = peek();
      Operand low = operand();
      expect(Kind.KEYWORD, "AND", "AND");
      Token highStart = peek();
      Operand high = operand();
      requireNumeric(left, start);
      requireNumeric(low, lowStart);
      requireNumeric(high, highStart);
      SqlExpression e = new SqlExpression.Between(left, low, high);
      return negated ? new SqlExpression.Not(e) : e;
    }
    if (acceptKeyword("IN")) {
      SqlExpression e = in(left);
      return negated ? new SqlExpression.Not(e) : e;
    }
    if (negated) {
      throw new SqlFilterException("expected BETWEEN or IN after NOT", peek().position());
    }
    Token op = peek();
    if (op.kind() != Kind.OPERATOR || !COMPARISONS.contains(op.text())) {
      throw new SqlFilterException("expected a comparison, BETWEEN, IN or IS after the operand"
          + (op.kind() == Kind.END ? " but the expression ended" : " but found '" + op.text() + "'"),
          afterOperand.position());
    }
    take();
    Operand right = operand();
    boolean numeric = ORDERING.contains(op.text()) || isNumber(left) || isNumber(right);
    if (numeric && (isString(left) || isString(right))) {
      throw new SqlFilterException(ORDERING.contains(op.text())
          ? "'" + op.text() + "' compares numbers, not strings" : "compares a string with a number", op.position());
    }
    return new SqlExpression.Compare(left, op.text(), right, numeric);
  }

  private SqlExpression in(Operand left) {
    expect(Kind.LPAREN, null, "'(' after IN");
    List<Object> constants = new ArrayList<>();
    Boolean numbers = null;
    do {
      Token t = peek();
      Operand item = operand();
      if (!(item instanceof SqlExpression.Literal literal)) {
        throw new SqlFilterException("IN lists constants only", t.position());
      }
      boolean isNumber = literal.constant() instanceof BigDecimal;
      if (numbers != null && numbers != isNumber) {
        throw new SqlFilterException("IN mixes strings and numbers", t.position());
      }
      numbers = isNumber;
      constants.add(literal.constant());
    } while (peek().kind() == Kind.COMMA && take() != null);
    expect(Kind.RPAREN, null, "')' closing the IN list");
    return new SqlExpression.In(left, List.copyOf(constants), numbers);
  }

  private Operand operand() {
    Token t = take();
    switch (t.kind()) {
      case IDENTIFIER:
        return new SqlExpression.Property(t.text());
      case STRING:
        return new SqlExpression.Literal(t.text());
      case NUMBER:
        return new SqlExpression.Literal(new BigDecimal(t.text()));
      case OPERATOR:
        if ((t.text().equals("-") || t.text().equals("+")) && peek().kind() == Kind.NUMBER) {
          BigDecimal n = new BigDecimal(take().text());
          return new SqlExpression.Literal(t.text().equals("-") ? n.negate() : n);
        }
        break;
      default:
        break;
    }
    throw new SqlFilterException("expected a property name, a 'string' or a number"
        + (t.kind() == Kind.END ? " but the expression ended" : " but found '" + t.text() + "'"), t.position());
  }

  private static void requireNumeric(Operand operand, Token at) {
    if (isString(operand)) {
      throw new SqlFilterException("BETWEEN compares numbers, not strings", at.position());
    }
  }

  private static boolean isNumber(Operand operand) {
    return operand instanceof SqlExpression.Literal l && l.constant() instanceof BigDecimal;
  }

  private static boolean isString(Operand operand) {
    return operand instanceof SqlExpression.Literal l && l.constant() instanceof String;
  }
}
