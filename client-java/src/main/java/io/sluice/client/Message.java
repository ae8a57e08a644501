package io.sluice.client;

import io.sluice.client.internal.MessageIds;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A message to send: immutable, built with {@link #builder()}. The message id and born timestamp
 * are assigned when the message is built, so sending the same instance again (a retry by the client
 * or by the application) keeps its id and consumers can deduplicate on it.
 *
 * <p>Instances are immutable and safe to share between threads; the body is copied in and exposed
 * read-only.
 */
public final class Message {
  private final String messageId;
  private final long bornTimestampMs;
  private final String topic;
  private final String tag;
  private final List<String> keys;
  private final String messageGroup;
  private final Map<String, String> properties;
  private final ByteBuffer body;
  private final Instant deliveryTimestamp;

  private Message(Builder b) {
    this.messageId = b.messageId != null ? b.messageId : MessageIds.next();
    this.bornTimestampMs = MessageIds.timestampMs(messageId, System.currentTimeMillis());
    this.topic = b.topic;
    this.tag = b.tag;
    this.keys = Collections.unmodifiableList(new ArrayList<>(b.keys));
    this.messageGroup = b.messageGroup;
    this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(b.properties));
    this.body = b.body;
    this.deliveryTimestamp = b.deliveryTimestamp;
  }

  /**
   * Starts a message.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The client-assigned unique, time-ordered id (32 hex characters).
   *
   * @return the message id
   */
  public String messageId() {
    return messageId;
  }

  /**
   * When the message was built, epoch milliseconds (sent as the born timestamp).
   *
   * @return the born timestamp in ms
   */
  public long bornTimestampMs() {
    return bornTimestampMs;
  }

  /**
   * The target topic.
   *
   * @return the topic
   */
  public String topic() {
    return topic;
  }

  /**
   * The tag used by server-side tag filters.
   *
   * @return the tag, empty when none
   */
  public String tag() {
    return tag;
  }

  /**
   * The business keys indexed by the broker for lookup.
   *
   * @return an unmodifiable list, possibly empty
   */
  public List<String> keys() {
    return keys;
  }

  /**
   * The message group of a FIFO topic: messages of one group are stored in one queue and delivered
   * in order.
   *
   * @return the group, empty when none
   */
  public String messageGroup() {
    return messageGroup;
  }

  /**
   * User properties.
   *
   * @return an unmodifiable map, possibly empty
   */
  public Map<String, String> properties() {
    return properties;
  }

  /**
   * The payload as a read-only buffer positioned at its start (a new view on every call).
   *
   * @return the body
   */
  public ByteBuffer body() {
    return body.duplicate();
  }

  /**
   * The payload size.
   *
   * @return the body length in bytes
   */
  public int bodySizeBytes() {
    return body.remaining();
  }

  /**
   * The delivery time of a message to a DELAY topic: consumers receive it no earlier.
   *
   * @return the delivery time, if set
   */
  public Optional<Instant> deliveryTimestamp() {
    return Optional.ofNullable(deliveryTimestamp);
  }

  @Override
  public String toString() {
    return "Message["
        + messageId
        + ", topic="
        + topic
        + ", tag="
        + tag
        + ", keys="
        + keys
        + ", bodySizeBytes="
        + body.remaining()
        + "]";
  }

  /** Builds a {@link Message}. Not thread-safe; {@link #build()} may be called repeatedly. */
  public static final class Builder {
    private String messageId;
    private String topic;
    private String tag = "";
    private final List<String> keys = new ArrayList<>();
    private String messageGroup = "";
    private final Map<String, String> properties = new LinkedHashMap<>();
    private ByteBuffer body;
    private Instant deliveryTimestamp;

    private Builder() {}

    /**
     * Sets the topic (required).
     *
     * @param topic the topic name
     * @return this builder
     */
    public Builder topic(String topic) {
      this.topic = Objects.requireNonNull(topic, "topic");
      return this;
    }

    /**
     * Sets the tag that tag filters match ("TagA").
     *
     * @param tag the tag; empty for none
     * @return this builder
     */
    public Builder tag(String tag) {
      this.tag = Objects.requireNonNull(tag, "tag");
      return this;
    }

    /**
     * Adds business keys.
     *
     * @param keys the keys to add
     * @return this builder
     */
    public Builder keys(String... keys) {
      for (String k : keys) {
        this.keys.add(Objects.requireNonNull(k, "key"));
      }
      return this;
    }

    /**
     * Adds business keys.
     *
     * @param keys the keys to add
     * @return this builder
     */
    public Builder keys(List<String> keys) {
      return keys(keys.toArray(new String[0]));
    }

    /**
     * Sets the message group: required on a FIFO topic (the broker refuses a message without one
     * with {@link InvalidArgumentException}); on a NORMAL topic it only sends the group's messages
     * to one queue, without ordered delivery. At most 128 characters, not blank.
     *
     * @param messageGroup the group; empty for none
     * @return this builder
     */
    public Builder messageGroup(String messageGroup) {
      this.messageGroup = Objects.requireNonNull(messageGroup, "messageGroup");
      return this;
    }

    /**
     * Sets one user property.
     *
     * @param key the property name
     * @param value the property value
     * @return this builder
     */
    public Builder property(String key, String value) {
      properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Sets several user properties.
     *
     * @param properties the properties to add
     * @return this builder
     */
    public Builder properties(Map<String, String> properties) {
      properties.forEach(this::property);
      return this;
    }

    /**
     * Sets the body; the array is copied.
     *
     * @param body the payload
     * @return this builder
     */
    public Builder body(byte[] body) {
      byte[] copy = Arrays.copyOf(body, body.length);
      this.body = ByteBuffer.wrap(copy).asReadOnlyBuffer();
      return this;
    }

    /**
     * Sets the body from the buffer's remaining bytes; they are copied and the buffer's position is
     * not changed.
     *
     * @param body the payload
     * @return this builder
     */
    public Builder body(ByteBuffer body) {
      ByteBuffer src = body.duplicate();
      ByteBuffer copy = ByteBuffer.allocate(src.remaining());
      copy.put(src).flip();
      this.body = copy.asReadOnlyBuffer();
      return this;
    }

    /**
     * Sets the delivery time of a message to a DELAY topic (required there; refused by other
     * topics with {@link Reason#MESSAGE_TYPE_MISMATCH}). The broker stores the message at once and
     * makes it visible to consumers at this time, typically within 100 ms after it. A time in the
     * past delivers at once; one further ahead than the broker's {@code max-delay} (default 40
     * days) is refused with {@link Reason#INVALID_ARGUMENT}. Until it is due, {@link
     * Admin#cancelDelayedMessage} cancels it.
     *
     * @param deliveryTimestamp when the message becomes visible; millisecond precision
     * @return this builder
     */
    public Builder deliveryTimestamp(Instant deliveryTimestamp) {
      this.deliveryTimestamp = Objects.requireNonNull(deliveryTimestamp, "deliveryTimestamp");
      return this;
    }

    /**
     * Sets the delivery time to {@code delay} from now: {@link #deliveryTimestamp(Instant)} of
     * the current time plus {@code delay}.
     *
     * @param delay how long consumers wait for the message
     * @return this builder
     */
    public Builder deliverAfter(java.time.Duration delay) {
      return deliveryTimestamp(Instant.now().plus(delay));
    }

    /**
     * Uses a given message id instead of a new one, to resend a message built earlier (for example
     * by another process) under its original id.
     *
     * @param messageId the id, as returned by {@link Message#messageId()}
     * @return this builder
     */
    public Builder messageId(String messageId) {
      this.messageId = Objects.requireNonNull(messageId, "messageId");
      return this;
    }

    /**
     * Builds the message, assigning a new message id unless one was set.
     *
     * @return the message
     * @throws InvalidArgumentException if the topic is missing or empty ({@link
     *     Reason#INVALID_NAME}) or the body is missing or empty ({@link Reason#MESSAGE_BODY_EMPTY})
     */
    public Message build() {
      if (topic == null || topic.isEmpty()) {
        throw new InvalidArgumentException(
            Reason.INVALID_NAME,
            io.grpc.Status.Code.INVALID_ARGUMENT,
            "message has no topic",
            null);
      }
      if (body == null || !body.hasRemaining()) {
        throw new InvalidArgumentException(
            Reason.MESSAGE_BODY_EMPTY,
            io.grpc.Status.Code.INVALID_ARGUMENT,
            "message to topic " + topic + " has an empty body",
            null);
      }
      return new Message(this);
    }
  }
}
