package io.sluice.actors.consume.sql;

import java.math.BigDecimal;
import java.util.List;
import java.util.function.Function;

/**
 * A parsed SQL92 filter. Evaluation uses SQL's three-valued logic: {@code null} is UNKNOWN, which
 * a comparison with a missing property (or a property that is not a number where a number is
 * compared) yields; a message matches only when the whole expression is TRUE.
 */
sealed interface SqlExpression {
  /**
   * Evaluates against a message's properties.
   *
   * @param property a property's value by name, null if the message has none
   * @return TRUE, FALSE or null for UNKNOWN
   */
  Boolean eval(Function<String, String> property);

  /** A value inside a predicate: a property, or a string or number literal. */
  sealed interface Operand {
    /** @return a String, a BigDecimal, or null if the property is absent */
    Object value(Function<String, String> property);
  }

  record Property(String name) implements Operand {
    @Override
    public Object value(Function<String, String> property) {
      return property.apply(name);
    }
  }

  record Literal(Object constant) implements Operand {
    @Override
    public Object value(Function<String, String> property) {
      return constant;
    }
  }

  record Constant(boolean value) implements SqlExpression {
    @Override
    public Boolean eval(Function<String, String> property) {
      return value;
    }
  }

  record And(SqlExpression left, SqlExpression right) implements SqlExpression {
    @Override
    public Boolean eval(Function<String, String> property) {
      Boolean l = left.eval(property);
      if (Boolean.FALSE.equals(l)) {
        return false;
      }
      Boolean r = right.eval(property);
      if (Boolean.FALSE.equals(r)) {
        return false;
      }
      return l == null || r == null ? null : true;
    }
  }

  record Or(SqlExpression left, SqlExpression right) implements SqlExpression {
    @Override
    public Boolean eval(Function<String, String> property) {
      Boolean l = left.eval(property);
      if (Boolean.TRUE.equals(l)) {
        return true;
      }
      Boolean r = right.eval(property);
      if (Boolean.TRUE.equals(r)) {
        return true;
      }
      return l == null || r == null ? null : false;
    }
  }

  record Not(SqlExpression inner) implements SqlExpression {
    @Override
    public Boolean eval(Function<String, String> property) {
      Boolean v = inner.eval(property);
      return v == null ? null : !v;
    }
  }

  /**
   * {@code left op right}; numeric when {@code numeric} (a number literal is involved or the
   * operator orders), else string equality.
   */
  record Compare(Operand left, String op, Operand right, boolean numeric) implements SqlExpression {
    @Override
    public Boolean eval(Function<String, String> property) {
      Object l = left.value(property);
      Object r = right.value(property);
      if (l == null || r == null) {
        return null;
      }
      int c;
      if (numeric) {
        BigDecimal a = number(l);
        BigDecimal b = number(r);
        if (a == null || b == null) {
          return null;
        }
        c = a.compareTo(b);
      } else {
        c = l.toString().equals(r.toString()) ? 0 : 1;
      }
      return switch (op) {
        case "=" -> c == 0;
        case "<>", "!=" -> c != 0;
        case "<" -> c < 0;
        case "<=" -> c <= 0;
        case ">" -> c > 0;
        case ">=" -> c >= 0;
        default -> throw new IllegalStateException("operator " + op);
      };
    }
  }

  record Between(Operand value, Operand low, Operand high) implements SqlExpression {
    @Override
    public Boolean eval(Function<String, String> property) {
      BigDecimal v = number(value.value(property));
      BigDecimal lo = number(low.value(property));
      BigDecimal hi = number(high.value(property));
      if (v == null || lo == null || hi == null) {
        return null;
      }
      return v.compareTo(lo) >= 0 && v.compareTo(hi) <= 0;
    }
  }

  /** {@code value IN (...)}: numeric when every listed constant is a number, else string equality. */
  record In(Operand value, List<Object> constants, boolean numeric) implements SqlExpression {
    @Override
    public Boolean eval(Function<String, String> property) {
      Object v = value.value(property);
      if (v == null) {
        return null;
      }
      if (numeric) {
        BigDecimal n = number(v);
        if (n == null) {
          return null;
        }
        return constants.stream().anyMatch(c -> n.compareTo((BigDecimal) c) == 0);
      }
      return constants.stream().anyMatch(c -> c.toString().equals(v.toString()));
    }
  }

  record IsNull(Property property) implements SqlExpression {
    @Override
    public Boolean eval(Function<String, String> lookup) {
      return property.value(lookup) == null;
    }
  }

  /** A number from a literal or a property's text; null if the text is not a number. */
  static BigDecimal number(Object value) {
    if (value instanceof BigDecimal n) {
      return n;
    }
    if (value == null) {
      return null;
    }
    try {
      return new BigDecimal(value.toString().trim());
    } catch (NumberFormatException notANumber) {
      return null;
    }
  }
}
