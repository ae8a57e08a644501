package io.sluice.actors.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class TagFilterTest {

  @ParameterizedTest(name = "[{0}] matches everything")
  @NullSource
  @ValueSource(strings = {"*", "", "   ", " * "})
  void starEmptyAndNullMatchEverything(String expression) {
    TagFilter filter = TagFilter.parse(expression);
    assertSame(TagFilter.ALL, filter);
    assertTrue(filter.matchesAll());
    assertTrue(filter.matches("A"));
    assertTrue(filter.matches(""), "a message without a tag matches *");
  }

  @Test
  void alternativesMatchOnlyTheirTags() {
    TagFilter filter = TagFilter.parse("A || B");
    assertEquals(Set.of("A", "B"), filter.tags());
    assertFalse(filter.matchesAll());
    assertTrue(filter.matches("A"));
    assertTrue(filter.matches("B"));
    assertFalse(filter.matches("C"));
    assertFalse(filter.matches(""), "a message without a tag matches only *");
    assertFalse(filter.matches("a"), "tags are case-sensitive");
  }

  @Test
  void singleTagAndSpacingAndDuplicates() {
    assertEquals(Set.of("TagA"), TagFilter.parse("TagA").tags());
    assertEquals(Set.of("A", "B"), TagFilter.parse("  A  ||B|| A ").tags());
    assertEquals(Set.of("A", "B"), TagFilter.parse("A||B").tags());
  }

  @ParameterizedTest(name = "[{0}] is refused at position {1}")
  @CsvSource(
      delimiter = ';',
      value = {
        "A||; 3",
        "||; 0",
        "A|B; 0",
        "A || B ||; 9",
        "A || *; 4",
        "A |||| B; 4",
      })
  void malformedExpressionsNameThePosition(String expression, int position) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TagFilter.parse(expression));
    assertTrue(
        e.getMessage().contains("position " + position),
        () -> "expected position " + position + " in: " + e.getMessage());
    assertTrue(e.getMessage().contains("'" + expression + "'"), e.getMessage());
  }
}
