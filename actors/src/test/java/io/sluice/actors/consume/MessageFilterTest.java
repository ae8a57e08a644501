package io.sluice.actors.consume;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.protocol.v1.FilterExpression;
import io.sluice.protocol.v1.Message;
import org.junit.jupiter.api.Test;

class MessageFilterTest {
  static FilterExpression sql(String expression) {
    return FilterExpression.newBuilder().setType(FilterExpression.Type.SQL92).setExpression(expression).build();
  }

  static FilterExpression tag(String expression) {
    return FilterExpression.newBuilder().setType(FilterExpression.Type.TAG).setExpression(expression).build();
  }

  static final Message PAID = Message.newBuilder().setTag("paid").putProperties("amount", "250").build();
  static final Message UNTAGGED = Message.newBuilder().putProperties("amount", "5").build();

  @Test
  void sqlReadsUserPropertiesAndTheTagAsTags() {
    assertTrue(MessageFilter.parse(sql("amount > 100")).matches(PAID));
    assertFalse(MessageFilter.parse(sql("amount > 100")).matches(UNTAGGED));
    assertTrue(MessageFilter.parse(sql("TAGS = 'paid' AND amount BETWEEN 200 AND 300")).matches(PAID));
    assertTrue(MessageFilter.parse(sql("TAGS IS NULL")).matches(UNTAGGED));
    assertFalse(MessageFilter.parse(sql("TAGS IS NULL")).matches(PAID));
  }

  @Test
  void tagExpressionsMatchTheTag() {
    assertTrue(MessageFilter.parse(tag("paid || shipped")).matches(PAID));
    assertFalse(MessageFilter.parse(tag("paid || shipped")).matches(UNTAGGED));
    assertTrue(MessageFilter.parse(tag("")).matches(UNTAGGED));
    assertTrue(MessageFilter.parse(FilterExpression.getDefaultInstance()).matches(UNTAGGED));
  }

  @Test
  void malformedExpressionsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> MessageFilter.parse(sql("amount >")));
    assertThrows(IllegalArgumentException.class, () -> MessageFilter.parse(tag("a || ")));
    assertThrows(IllegalArgumentException.class,
        () -> MessageFilter.parse(FilterExpression.newBuilder().setTypeValue(9).build()));
  }
}
