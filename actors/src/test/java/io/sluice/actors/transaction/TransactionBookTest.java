package io.sluice.actors.transaction;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.sluice.protocol.v1.Message;
import io.sluice.protocol.v1.TransactionRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransactionBookTest {
  static Message half(String transactionId, String messageId, int bodyBytes) {
    return Message.newBuilder().setMessageId(messageId)
        .setTransaction(TransactionRef.newBuilder().setTransactionId(transactionId).setProducerGroup("p"))
        .setBody(ByteString.copyFrom(new byte[bodyBytes])).build();
  }

  static TransactionBook committed(List<List<Message>> transactions) {
    TransactionBook book = new TransactionBook();
    for (List<Message> tx : transactions) {
      tx.forEach(book::prepare);
      book.resolve(tx.get(0).getTransaction().getTransactionId(), TransactionBook.Outcome.COMMIT, false, 0);
    }
    return book;
  }

  @Test
  void nextDeliveryTakesWholeTransactionsOldestFirstWithinTheMessageAndByteBounds() {
    List<Message> a = List.of(half("a", "a1", 1000), half("a", "a2", 1000));
    List<Message> b = List.of(half("b", "b1", 1000));
    List<Message> c = List.of(half("c", "c1", 1000), half("c", "c2", 1000));
    TransactionBook book = committed(List.of(a, b, c));
    long aBytes = a.get(0).getSerializedSize() + a.get(1).getSerializedSize();
    long bBytes = b.get(0).getSerializedSize();

    assertEquals(List.of("a", "b", "c"), book.nextDelivery(1000, Long.MAX_VALUE));
    assertEquals(List.of("a", "b"), book.nextDelivery(4, Long.MAX_VALUE));
    assertEquals(List.of("a", "b"), book.nextDelivery(1000, aBytes + bBytes));
    assertEquals(List.of("a"), book.nextDelivery(1000, aBytes + bBytes - 1));
    // the oldest goes whole, whatever its size
    assertEquals(List.of("a"), book.nextDelivery(1, 1));

    book.delivered(List.of("a"), 2);
    assertEquals(List.of("b", "c"), book.nextDelivery(1000, Long.MAX_VALUE));
  }
}
