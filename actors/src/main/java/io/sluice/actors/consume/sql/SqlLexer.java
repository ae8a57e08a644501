package io.sluice.actors.consume.sql;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Splits a SQL92 filter expression into tokens, each with its position (0-based character index). */
final class SqlLexer {
  enum Kind {
    IDENTIFIER,
    KEYWORD,
    STRING,
    NUMBER,
    OPERATOR,
    LPAREN,
    RPAREN,
    COMMA,
    END
  }

  record Token(Kind kind, String text, int position) {
    boolean is(Kind k, String t) {
      return kind == k && text.equals(t);
    }

    boolean isKeyword(String keyword) {
      return is(Kind.KEYWORD, keyword);
    }
  }

  private static final Set<String> KEYWORDS =
      Set.of("AND", "OR", "NOT", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE");

  private SqlLexer() {}

  static List<Token> tokens(String source) {
    List<Token> out = new ArrayList<>();
    int i = 0;
    int n = source.length();
    while (i < n) {
      char c = source.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '(') {
        out.add(new Token(Kind.LPAREN, "(", i++));
      } else if (c == ')') {
        out.add(new Token(Kind.RPAREN, ")", i++));
      } else if (c == ',') {
        out.add(new Token(Kind.COMMA, ",", i++));
      } else if (c == '\'') {
        i = string(source, i, out);
      } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(source.charAt(i + 1)))) {
        i = number(source, i, out);
      } else if (Character.isLetter(c) || c == '_') {
        int start = i;
        while (i < n && (Character.isLetterOrDigit(source.charAt(i)) || source.charAt(i) == '_'
            || source.charAt(i) == '.')) {
          i++;
        }
        String word = source.substring(start, i);
        String upper = word.toUpperCase(Locale.ROOT);
        out.add(KEYWORDS.contains(upper)
            ? new Token(Kind.KEYWORD, upper, start)
            : new Token(Kind.IDENTIFIER, word, start));
      } else {
        i = operator(source, i, out);
      }
    }
    out.add(new Token(Kind.END, "", n));
    return out;
  }

  /** A quoted string; a quote inside is written twice. */
  private static int string(String source, int start, List<Token> out) {
    StringBuilder text = new StringBuilder();
    int i = start + 1;
    while (i < source.length()) {
      char c = source.charAt(i);
      if (c == '\'') {
        if (i + 1 < source.length() && source.charAt(i + 1) == '\'') {
          text.append('\'');
          i += 2;
          continue;
        }
        out.add(new Token(Kind.STRING, text.toString(), start));
        return i + 1;
      }
      text.append(c);
      i++;
    }
    throw new SqlFilterException("unterminated string", start);
  }

  private static int number(String source, int start, List<Token> out) {
    int i = start;
    while (i < source.length() && (Character.isDigit(source.charAt(i)) || source.charAt(i) == '.')) {
      i++;
    }
    String text = source.substring(start, i);
    try {
      new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw new SqlFilterException("malformed number '" + text + "'", start);
    }
    out.add(new Token(Kind.NUMBER, text, start));
    return i;
  }

  private static int operator(String source, int start, List<Token> out) {
    for (String op : List.of("<>", "!=", "<=", ">=", "=", "<", ">", "-", "+")) {
      if (source.startsWith(op, start)) {
        out.add(new Token(Kind.OPERATOR, op, start));
        return start + op.length();
      }
    }
    throw new SqlFilterException("unexpected character '" + source.charAt(start) + "'", start);
  }
}
