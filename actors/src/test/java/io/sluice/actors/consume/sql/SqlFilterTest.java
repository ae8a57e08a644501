package io.sluice.actors.consume.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SqlFilterTest {
  private static final Map<String, String> PROPS = Map.of(
      "region", "eu-west", "amount", "120.5", "qty", "7", "vip", "true", "note", "it's", "code", "abc");

  static boolean matches(String expression) {
    return SqlFilter.parse(expression).matches(PROPS::get);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "region = 'eu-west'                          | true",
      "region <> 'eu-west'                         | false",
      "region != 'us'                              | true",
      "amount > 100                                | true",
      "amount >= 120.5 AND amount <= 120.5         | true",
      "amount < -1                                 | false",
      "qty = 7                                     | true",
      "qty = 7.0                                   | true",
      "qty BETWEEN 1 AND 7                         | true",
      "qty NOT BETWEEN 1 AND 7                     | false",
      "qty BETWEEN 8 AND 10                        | false",
      "region IN ('us', 'eu-west')                 | true",
      "region NOT IN ('us', 'eu-west')             | false",
      "qty IN (1, 2, 7)                            | true",
      "note = 'it''s'                              | true",
      "missing IS NULL                             | true",
      "region IS NOT NULL                          | true",
      "region is not null and qty > 5              | true",
      "NOT (qty > 5)                               | false",
      "qty > 5 AND (region = 'us' OR vip = 'true') | true",
      "TRUE                                        | true",
      "FALSE OR qty = 7                            | true",
      // UNKNOWN never matches: a missing property, or a property that is not a number
      "missing = 'x'                               | false",
      "missing <> 'x'                              | false",
      "NOT (missing = 'x')                         | false",
      "missing = 'x' OR qty = 7                    | true",
      "code > 1                                    | false",
      "NOT (code > 1)                              | false",
      "missing IN ('a')                            | false",
      "missing NOT IN ('a')                        | false",
  })
  void evaluatesWithThreeValuedLogic(String expression, boolean expected) {
    assertEquals(expected, matches(expression), expression);
  }

  @ParameterizedTest(name = "{0} -> position {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "region =                    | 8",
      "region = 'eu               | 9",
      "amount > 'x'                | 7",
      "region 'eu'                 | 7",
      "(qty > 1                    | 8",
      "qty > 1 )                   | 8",
      "qty BETWEEN 'a' AND 3       | 12",
      "qty IN (1, 'a')             | 11",
      "qty IN (region)             | 8",
      "qty NOT 1                   | 8",
      "'a' IS NULL                 | 0",
      "qty > 1 AND                 | 11",
      "qty # 1                     | 4",
      "qty > 1..2                  | 6",
      "' '                         | 3",
  })
  void malformedExpressionsNameThePosition(String expression, int position) {
    SqlFilterException e = assertThrows(SqlFilterException.class, () -> SqlFilter.parse(expression));
    assertEquals(position, e.position(), e.getMessage());
    assertTrue(e.getMessage().endsWith("at position " + position), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void anEmptyExpressionIsRefused() {
    assertEquals(0, assertThrows(SqlFilterException.class, () -> SqlFilter.parse("  ")).position());
  }

  @org.junit.jupiter.api.Test
  void deepNestingIsRefusedWithoutExhaustingTheStack() {
    String deep = "(".repeat(50_000) + "qty > 1" + ")".repeat(50_000);
    SqlFilterException e = assertThrows(SqlFilterException.class, () -> SqlFilter.parse(deep));
    assertEquals(SqlParser.MAX_LENGTH, e.position(), e.getMessage());
    String deepWithinLength = "(".repeat(SqlParser.MAX_DEPTH + 1) + "qty > 1" + ")".repeat(SqlParser.MAX_DEPTH + 1);
    e = assertThrows(SqlFilterException.class, () -> SqlFilter.parse(deepWithinLength));
    assertEquals(SqlParser.MAX_DEPTH, e.position(), e.getMessage());
    String nots = "NOT ".repeat(SqlParser.MAX_DEPTH + 1) + "qty > 1";
    assertTrue(assertThrows(SqlFilterException.class, () -> SqlFilter.parse(nots)).getMessage().contains("nested"));
  }

  @org.junit.jupiter.api.Test
  void nestingUpToTheLimitParses() {
    String deepest = "(".repeat(SqlParser.MAX_DEPTH) + "qty > 1" + ")".repeat(SqlParser.MAX_DEPTH);
    assertTrue(matches(deepest));
    assertEquals(SqlParser.MAX_DEPTH % 2 == 0, matches("NOT ".repeat(SqlParser.MAX_DEPTH) + "qty > 1"));
  }

  @org.junit.jupiter.api.Test
  void aLongChainWithinTheLengthEvaluates() {
    String chain = "qty > 1" + " AND qty > 1".repeat((SqlParser.MAX_LENGTH - 7) / 12);
    assertTrue(chain.length() <= SqlParser.MAX_LENGTH);
    assertTrue(matches(chain));
  }
}
