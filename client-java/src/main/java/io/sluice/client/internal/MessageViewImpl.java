package io.sluice.client.internal;

import io.sluice.client.MessageView;
import io.sluice.protocol.v1.Delivery;
import io.sluice.protocol.v1.Message;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * A {@link MessageView} over a received {@link Delivery}, without copying the message. The receipt
 * handle is replaced when the invisibility is changed or renewed; reads and writes of it are
 * volatile, so any thread sees the newest handle.
 */
public final class MessageViewImpl implements MessageView {
  private final Message message;
  private final int attempt;
  private volatile String receiptHandle;
  private volatile long invisibleUntilMs;

  /**
   * Wraps a delivery.
   *
   * @param delivery the delivery
   */
  public MessageViewImpl(Delivery delivery) {
    this.message = delivery.getMessage();
    this.attempt = delivery.getAttempt();
    this.receiptHandle = delivery.getReceiptHandle();
    this.invisibleUntilMs = delivery.getInvisibleUntilMs();
  }

  /**
   * The client's view behind a public one.
   *
   * @param view a view the client returned
   * @return it, cast
   * @throws IllegalArgumentException if the view was not made by this client
   */
  public static MessageViewImpl of(MessageView view) {
    if (view instanceof MessageViewImpl impl) {
      return impl;
    }
    throw new IllegalArgumentException("not a message view received by this client: " + view);
  }

  /**
   * Replaces the receipt handle after the broker issued a new one.
   *
   * @param newHandle the handle to use from now on
   * @param newInvisibleUntilMs the new invisibility deadline, or 0 if unknown
   */
  public void updateReceipt(String newHandle, long newInvisibleUntilMs) {
    if (!newHandle.isEmpty()) {
      this.receiptHandle = newHandle;
    }
    if (newInvisibleUntilMs > 0) {
      this.invisibleUntilMs = newInvisibleUntilMs;
    }
  }

  @Override
  public String messageId() {
    return message.getMessageId();
  }

  @Override
  public String topic() {
    return message.getTopic();
  }

  @Override
  public int queueId() {
    return message.getQueueId();
  }

  @Override
  public long offset() {
    return message.getOffset();
  }

  @Override
  public String tag() {
    return message.getTag();
  }

  @Override
  public List<String> keys() {
    return message.getKeysList();
  }

  @Override
  public String messageGroup() {
    return message.getMessageGroup();
  }

  @Override
  public Map<String, String> properties() {
    return message.getPropertiesMap();
  }

  @Override
  public ByteBuffer body() {
    return message.getBody().asReadOnlyByteBuffer();
  }

  @Override
  public byte[] bodyBytes() {
    return message.getBody().toByteArray();
  }

  @Override
  public int attempt() {
    return attempt;
  }

  @Override
  public long bornTimestampMs() {
    return message.getBornTimestampMs();
  }

  @Override
  public long storeTimestampMs() {
    return message.getStoreTimestampMs();
  }

  @Override
  public long deliveryTimestampMs() {
    return message.getDeliverAtMs();
  }

  @Override
  public String receiptHandle() {
    return receiptHandle;
  }

  @Override
  public long invisibleUntilMs() {
    return invisibleUntilMs;
  }

  @Override
  public String toString() {
    return "MessageView["
        + message.getMessageId()
        + ", "
        + message.getTopic()
        + "/"
        + message.getQueueId()
        + "@"
        + message.getOffset()
        + ", attempt "
        + attempt
        + "]";
  }
}
